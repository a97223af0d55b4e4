"""Grafana dashboards, their provisioning, `twspulse dashboards push` and `twspulse report`."""
