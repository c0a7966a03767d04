"""Tests for blindspot."""
