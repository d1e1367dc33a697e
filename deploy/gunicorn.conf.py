"""gunicorn's settings for the portal (deploy/Procfile, deploy/dsar-web.service).

gunicorn portal.wsgi:application --config deploy/gunicorn.conf.py
"""

import os

# Behind the proxy on this machine; PORT as honcho and most platforms set it.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Synchronous workers: about two per CPU core. gunicorn also reads WEB_CONCURRENCY itself.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Longer than DATABASE_STATEMENT_TIMEOUT (30 s): a slow query ends in the portal's 503 page,
# not in a killed worker.
timeout = 60
graceful_timeout = 30
keepalive = 5
# A fresh worker now and then keeps memory flat (PDFs are rendered by the worker, but
# the staff pages read large cases).
max_requests = 1000
max_requests_jitter = 100
# The proxies whose X-Forwarded-Proto gunicorn believes (the portal reads it through
# SECURE_PROXY_SSL_HEADER; X-Forwarded-For through TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The heartbeat file on a memory file system, never a slow disk (gunicorn's advice; it
# creates the file with mkstemp, private to the worker).
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
accesslog = "-"
errorlog = "-"
# SECURITY: the path without its query string: staff search by phone number (?q=…), and
# personal data stays out of the logs.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
