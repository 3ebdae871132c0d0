"""Background jobs on dramatiq: broker setup (broker.py), the jobs as plain functions (jobs.py,
monitor.py, reports.py), the actors that run them (actors.py) and queue inspection (queues.py).
Deployment: docs/deployment.md."""
