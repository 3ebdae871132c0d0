"""双监控 monitoring: execution warnings at an as-of date."""
