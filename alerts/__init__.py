"""Alerts: drop detection, the other alert kinds, their lifecycle in marts.alerts, configuration and delivery."""
