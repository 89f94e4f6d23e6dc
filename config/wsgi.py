import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules) lives as long as the process: moved out of the
# garbage collector's reach, it is not walked again by every full collection, which a page's allocations
# trigger every few dozen requests and which showed as latency spikes (README › Performance).
gc.freeze()
