"""checks package: the Great Expectations suites of every model and the gate of a night's publish."""

import logging

# Great Expectations logs ~200 "Skipping registering function ..." lines at INFO while it is imported; under
# Airflow, whose task loggers run at INFO, they buried each check task's log. Quieted at that logger only.
logging.getLogger("great_expectations._docs_decorators").setLevel(logging.WARNING)
