"""gunicorn's settings: read by `make run` (and any gunicorn started here), which loads
./gunicorn.conf.py from the working directory by default."""

import gunicorn.http.wsgi

# gunicorn names itself in the Server header of every response and has no setting to change it;
# its worker reads the name from this module when it answers, so the name is replaced here, in the
# master, before the workers fork. The name tells an attacker which server's flaws to try.
gunicorn.http.wsgi.SERVER = "IISG Platform"
