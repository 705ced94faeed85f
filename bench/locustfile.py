"""The people of the load test (bench/load.py): 50 browsing, 5 editing in the back office.

    locust -f bench/locustfile.py --headless -u 55 -r 10 -t 2m --host http://127.0.0.1:PORT

`IISG_LOAD_TARGETS` names the JSON bench/load.py writes: the pages to browse and each editing
user's own object. Request names start with "page" (browsing), "edit" (opening and saving a
change form) or "login" (signing in, once a user: the password hash is slow on purpose); every
request's time is written to `IISG_LOAD_SAMPLES` when the run ends, for exact percentiles of each.
With `IISG_LOAD_ALONE` set, nobody waits between requests: bench/load.py runs a single browsing user
that way first, to time the pages alone (the baseline that the times under load are compared with).
`IISG_LOAD_HOSTS` (comma-separated addresses) spreads the people over several servers, as a load
balancer over several web machines would: each keeps to one, in turn.
"""

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, constant, events, task
from lxml import html

TARGETS = json.loads(open(os.environ["IISG_LOAD_TARGETS"]).read())  # noqa: SIM115
SAMPLES = []
MEMBER_EVERY = 5  # one browsing user in five signs in as a Board or Support Group member
# People wait 1–3 s between requests; the baseline run (IISG_LOAD_ALONE) is one user who does not.
THINK = constant(0) if os.environ.get("IISG_LOAD_ALONE") else between(1, 3)
_numbers = itertools.count()
_editors = itertools.count()
_lock = threading.Lock()
GROUPS = {"page": "browsing", "edit": "editing", "login": "logins"}
HOSTS = [host for host in os.environ.get("IISG_LOAD_HOSTS", "").split(",") if host]
_hosts = itertools.count()


def keep_to_one_host(user):
    """Send all of `user`'s requests to one of HOSTS, the next in turn (none: locust's --host)."""
    if HOSTS:
        with _lock:
            number = next(_hosts)
        user.host = user.client.base_url = HOSTS[number % len(HOSTS)]


@events.request.add_listener
def keep_sample(name, response_time, exception, **kwargs):
    group = next(group for prefix, group in GROUPS.items() if name.startswith(prefix))
    SAMPLES.append((group, name, response_time, exception is not None))


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    path = os.environ.get("IISG_LOAD_SAMPLES")
    if path:
        with open(path, "w") as out:
            json.dump(SAMPLES, out)


def sign_in(user, username):
    """Log in to the back office as a browser does (the CSRF token from the login page); the
    lock-out after failed logins means this must succeed the first time, so a failure stops the user."""
    page = user.client.get("/admin/login/", name="login: form")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    with user.client.post(
        "/admin/login/?next=/admin/",
        data={"username": username, "password": TARGETS["password"], "csrfmiddlewaretoken": token[1] if token else ""},
        headers={"Referer": f"{user.host}/admin/login/"},
        name="login: sign in",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"login of {username} answered {response.status_code}")
            user.stop()


class Browsing(HttpUser):
    """Someone reading the public website and the support mapping; one in five is a member who
    also reads the pages only members see."""

    weight = 10
    wait_time = THINK

    def on_start(self):
        keep_to_one_host(self)
        with _lock:
            number = next(_numbers)
        self.member = number % MEMBER_EVERY == 0
        if self.member:
            sign_in(self, TARGETS["member"])

    def page(self, url, name):
        with self.client.get(url, name=f"page {name}", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url} answered {response.status_code}")

    @task(3)
    def home(self):
        self.page("/", "/")

    @task
    def pillars(self):
        self.page("/pillars/", "/pillars/")

    @task(2)
    def pillar(self):
        self.page(random.choice(TARGETS["pillars"]), "/pillars/[pillar]/")

    @task(2)
    def events(self):
        self.page("/events/", "/events/")

    @task(2)
    def event(self):
        self.page(random.choice(TARGETS["events"]), "/events/[event]/")

    @task
    def governance(self):
        self.page("/governance/", "/governance/")

    @task
    def materials(self):
        self.page("/materials/", "/materials/")

    @task
    def search(self):
        word = random.choice(["border", "terrorism", "cybercrime", "training", "Albania", "police"])
        self.page(f"/search/?q={word}", "/search/?q=[word]")

    @task(2)
    def dashboard(self):
        self.page("/database/", "/database/")

    @task(2)
    def members_pages(self):
        if not self.member:
            return
        url, name = random.choice(
            [
                ("/database/gaps/", "/database/gaps/ (member)"),
                ("/database/overlaps/", "/database/overlaps/ (member)"),
                ("/database/needs/", "/database/needs/ (member)"),
                (random.choice(TARGETS["partners"]), "/database/partners/[partner]/ (member)"),
            ]
        )
        self.page(url, name)


class Editing(HttpUser):
    """Someone in the back office who opens the change form of its own need or action, changes the
    description and saves: the save must answer with the redirect of a success."""

    fixed_count = 5
    wait_time = THINK

    def on_start(self):
        keep_to_one_host(self)
        with _lock:
            self.target = TARGETS["editors"][next(_editors) % len(TARGETS["editors"])]
        self.url = f"/admin/{self.target['model']}/{self.target['pk']}/change/"
        self.kind = self.target["model"].split("/")[1]
        self.edits = 0
        sign_in(self, self.target["username"])

    @task
    def edit(self):
        with self.client.get(self.url, name=f"edit {self.kind}: open form", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{self.url} answered {response.status_code}")
                return
            form = html.fromstring(response.content).get_element_by_id(f"{self.kind}_form")
            data = dict_of(form.form_values())
        self.edits += 1
        data["description"] = f"Edited by the load test ({self.target['username']}, edit {self.edits})."
        with self.client.post(
            self.url,
            data=data,
            headers={"Referer": f"{self.host}{self.url}"},
            name=f"edit {self.kind}: save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                errors = re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.text, re.S)
                response.failure(f"save answered {response.status_code}: {' '.join(errors)[:300]}")


def dict_of(pairs):
    """What a browser posts: repeated names (a multiple select) as lists."""
    data = {}
    for name, value in pairs:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data
