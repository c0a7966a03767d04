"""The intermediate layer: SQL models (*.sql) and Python models (*.py) beside them."""
