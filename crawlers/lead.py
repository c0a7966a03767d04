"""The lead paragraph: which lines of an article's text are its story and which are page furniture."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

LEAD_SCAN_LINES = 15  # the lead sits near the top; a headline, kicker, caption and widgets may come first
LEAD_MIN_WORDS = 5  # a paragraph ending a sentence with fewer words is a caption or a kicker, not the lead
SENTENCE_END = '.!?؟…:"»”’)'
WIDGET_MAX_CHARS = 160  # a widget line is short; a longer one is a story, whatever its first words

CAPTION_START = re.compile(
    r"^(?:photo|file photo|caption|légende|leyenda|foto|фото|صورة)\b|^(?:photo|foto)\s*:", re.IGNORECASE
)
CAPTION_END = re.compile(
    r"\((?:photo|foto|фото|صورة|crédit|credit|crédito)[^():]*:[^()]*\)\s*\.?\s*$", re.IGNORECASE
)
# "By Jane Doe", "Par Jean Dupont", "Por Ana Pérez", "Автор: ...", "بقلم ...": a credit, never the story.
BYLINE = re.compile(r"^(?:by|par|por|автор|بقلم)\s*:?\s+\S", re.IGNORECASE)
BYLINE_MAX_WORDS = 8
BYLINE_MAX_CHARS = 200
CAPTION_CREDIT_CHARS = 160  # a caption's closing credit "(Photo: ...)" sits in its last characters
# Buttons of a share bar, one or several on a line ("Share Facebook Twitter Copy link Email").
_SHARE_WORDS = (
    "share|share this|share on facebook|share on twitter|share via email|share story|tweet|link this|"
    "copy link|copy url|link copied|facebook|twitter|x|whatsapp|telegram|linkedin|reddit|pinterest|messenger|"
    "flipboard|email|e-mail|mail|print|save|comment|comments|gift article|partager|imprimer|copier le lien|"
    "compartir|imprimir|enviar|copiar enlace|поделиться|отправить|печать|مشاركة|طباعة|تويتر|فيسبوك|واتساب"
)
SHARE_BAR = re.compile(rf"^(?:[-•·|/]?\s*(?:{_SHARE_WORDS})\b\s*[:|•·,/]?\s*)+$", re.IGNORECASE)
# An audio player's line, whatever follows its opening words.
AUDIO_PLAYER = re.compile(
    r"^(?:listen to (?:this|the) (?:article|story)|ap radio\b|your browser does not support the audio|"
    r"play audio|écouter (?:cet|l')article|escuchar (?:esta|la) (?:noticia|nota)|слушать (?:статью|новость))",
    re.IGNORECASE,
)
# Labels of players, ads and links to other stories: alone on the line, or before a colon or a bullet
# ("Read more: ...", "Related", "Advertisement"), never opening a sentence ("Related parties met ...").
WIDGET_LABEL = re.compile(
    r"^(?:listen|audio|écouter|escuchar|слушать|استمع|advertisement|story continues below advertisement|"
    r"sponsored|publicité|publicidad|anuncio|реклама|إعلان|read more|read also|related(?: stories| articles)?|"
    r"see also|more|recommended|lire aussi|à lire aussi|a lire aussi|lire la suite|voir aussi|lee también|"
    r"lea también|leer más|te puede interesar|ver también|relacionad[oa]s?|читайте также|читать также|"
    r"اقرأ أيضا|اقرأ ايضا)\s*(?:$|[:|•·›»–—-])",
    re.IGNORECASE,
)


def _plain(line: str) -> str:
    return unicodedata.normalize("NFKC", line).strip()


def is_caption(line: str) -> bool:
    """A photo caption or credit: "Photo: ...", "FILE PHOTO: ...", "... (Photo: AP)"."""
    return bool(
        CAPTION_START.match(line) or CAPTION_END.search(line, max(0, len(line) - CAPTION_CREDIT_CHARS))
    )


def is_byline(line: str) -> bool:
    """A writer's credit: "By Jane Doe", "Par Jean Dupont", "Por Agencia EFE"."""
    if len(line) > BYLINE_MAX_CHARS:
        return False  # a paragraph: not worth normalising
    line = _plain(line)
    return bool(BYLINE.match(line)) and len(line.split()) <= BYLINE_MAX_WORDS and line[-1:] not in ".!?"


def is_widget(line: str) -> bool:
    """A share bar or button, an audio player, an ad label or a "Read more"/"Related" link line."""
    if len(line) > 2 * WIDGET_MAX_CHARS:
        return False  # a paragraph: not worth normalising
    line = _plain(line)
    if not line or len(line) > WIDGET_MAX_CHARS:
        return False
    return bool(SHARE_BAR.match(line) or AUDIO_PLAYER.match(line) or WIDGET_LABEL.match(line))


def is_furniture(line: str) -> bool:
    """A line of the page around the story: a caption, a byline or a widget."""
    return is_widget(line) or is_byline(line) or is_caption(line)


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def is_paragraph(line: str) -> bool:
    """A line of running text: it ends a sentence and has a few words (headlines and kickers do not)."""
    line = line.strip()
    return line[-1:] in SENTENCE_END and len(line.split()) >= LEAD_MIN_WORDS


def lead_paragraph(paragraphs: Iterable[str], title: str | None = None) -> str | None:
    """The story's first paragraph: never the title, a caption, a byline or a widget line.

    The first running-text paragraph among the first LEAD_SCAN_LINES lines; failing that, the first line
    that is neither the title nor furniture; failing that, the first line.
    """
    first = fallback = None
    title_key = _key(title)
    for index, paragraph in enumerate(paragraphs):
        line = paragraph.strip()
        if not line:
            continue
        if index >= LEAD_SCAN_LINES:
            break
        first = first or line
        if (title_key and _key(line) == title_key) or is_furniture(line):
            continue
        if is_paragraph(line):
            return line
        fallback = fallback or line
    return fallback or first
