"""Console scripts. The ONE place eventlet monkey-patches the process:
it must happen before anything else imports socket, threading or time."""
import warnings

# The brief chose eventlet (as OpenStack services still run on it); its
# import-time deprecation banner on every start helps no operator.
warnings.filterwarnings('ignore', message='(?s).*Eventlet is deprecated')

import eventlet  # noqa: E402

eventlet.monkey_patch()
