"""A district's deadline week: preparers, reviewers and department staff at once.

Every value a simulated user saved and every transition she made is appended to
LOADTEST_WRITES (JSON lines); loadtest/check.py compares them with the database afterwards.
Request names group the figures: `page:` HTML pages, `save:` wizard saves, `live:` live
checks while typing, `pdf:` single-table PDFs, `export:` lists as files, `book:` books. A
POST that leads to a page is followed by hand, the page under the POST's name with " page"
after it, so that both answers' server times are counted.

The users are FastHttpUsers (geventhttpclient): Locust runs on the server's cores, and
python-requests would take several times the CPU per request that the server is measured
against.

The server (run with DJANGO_SERVER_TIMING=1) says in each answer how much CPU time it spent
on it; the totals per request name go to LOADTEST_SERVER_TIME (JSON) when the run ends.
"""

import itertools
import json
import os
import random
import re
import time
from collections import defaultdict
from decimal import Decimal
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

from html_forms import form_with  # beside this file, which Locust puts on the path
from locust import FastHttpUser, between, events, task

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text(encoding="utf-8"))
WRITES = open(os.environ["LOADTEST_WRITES"], "a", encoding="utf-8")  # noqa: SIM115
SERVER_TIME_FILE = os.environ.get("LOADTEST_SERVER_TIME")
# name -> [answers, server CPU ms, server wall ms].
SERVER_TIME: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
TIMING = re.compile(r"(app|cpu);dur=([0-9.]+)")
PASSWORD = ACCOUNTS["password"]
TAKEN = {role: itertools.count() for role in ("preparers", "reviewers", "staff")}
DETAIL_LINK = re.compile(r'href="/assessments/(\d+)/"')
CONFLICT = "您的修改没有保存"
OUTCOMES = "年度目标基本完成，资金按计划拨付，服务对象满意度较上年提高，个别指标因政策调整略有偏差"


# Production cookies are Secure. Behind the TLS proxy they travel over https; here, on
# loopback, the test client sends them over plain http (its cookie jar has the default
# policy, so the policy itself is told).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True  # type: ignore[method-assign]


def record(**entry: object) -> None:
    WRITES.write(json.dumps({"at": time.time(), **entry}, ensure_ascii=False) + "\n")
    WRITES.flush()


class Person(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(2, 8)

    def on_start(self) -> None:
        accounts = ACCOUNTS[self.role]
        self.account = accounts[next(TAKEN[self.role]) % len(accounts)]
        page = self.client.get("/accounts/login/", name="page:login")
        form = form_with(page.text, "username")
        form.update(username=self.account["username"], password=PASSWORD)
        with self.client.post(
            "/accounts/login/",
            data=form,
            name="post:login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused for {self.account['username']}")

    def page(self, url: str, name: str):
        return self.client.get(url, name=f"page:{name}")

    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def post_then_page(self, url: str, data: dict, name: str):
        """POST as a browser does, following the redirect to the page it leads to; the answer
        that is a page (the POST's own when it does not redirect), or None on an error."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"{name}: HTTP {response.status_code}")
                return None
        if response.status_code == 200:
            return response
        with self.client.get(
            response.headers["Location"], name=f"{name} page", catch_response=True
        ) as page:
            if page.status_code != 200:
                page.failure(f"{name} page: HTTP {page.status_code}")
                return None
        return page

    def transition(self, pk: int, action: str, path: str, data: dict, success: str) -> bool:
        """POST a workflow step; the page it leads to says whether it was done."""
        data = {"csrfmiddlewaretoken": self.csrf(), **data}
        # An answer still on its way when the run ends leaves only this line behind.
        record(kind="attempt", user=self.account["username"], pk=pk, action=action)
        page = self.post_then_page(f"/assessments/{pk}/{path}/", data, f"post:{action}")
        if page is None:
            return False
        done = success in page.text
        kind = "transition" if done else "refused"
        record(kind=kind, user=self.account["username"], pk=pk, action=action)
        return done


class Preparer(Person):
    """Fills in her unit's tables step by step, with live checks while typing; submits."""

    role = "preparers"
    weight = 6

    def open_step(self, pk: int, step: str):
        response = self.client.get(
            f"/assessments/{pk}/edit/{step}/", name=f"page:wizard {step}", allow_redirects=False
        )
        # A table sent for review is no longer hers to edit: the step leads to its page.
        return response if response.status_code == 200 else None

    def save(self, pk: int, step: str, form: dict[str, str], field: str, value: str) -> None:
        with self.client.post(
            f"/assessments/{pk}/edit/{step}/",
            data=form,
            name=f"save:{step}",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                record(kind="save", user=self.account["username"], pk=pk, field=field, value=value)
            elif response.status_code == 200 and CONFLICT in response.text:
                # Refused on purpose (saved meanwhile elsewhere): nothing stored, counted.
                record(kind="conflict", user=self.account["username"], pk=pk, step=step)
                response.success()
            elif response.status_code == 200:
                response.failure(f"save {step}: the form was refused")
            else:
                response.failure(f"save {step}: HTTP {response.status_code}")

    def live(self, pk: int, step: str, form: dict[str, str]) -> None:
        self.client.post(f"/assessments/{pk}/edit/{step}/live/", data=form, name=f"live:{step}")

    @task(4)
    def type_the_outcome(self) -> None:
        pk = random.choice(self.account["drafts"])
        page = self.open_step(pk, "actuals")
        if page is None:
            return
        form = form_with(page.text, "version")
        text = f"{OUTCOMES[: random.randint(20, len(OUTCOMES))]}（{random.randint(1, 10**6)}）"
        for cut in (len(text) // 3, 2 * len(text) // 3):
            self.live(pk, "actuals", {**form, "outcome": text[:cut]})
            time.sleep(random.uniform(0.5, 1.5))
        self.save(pk, "actuals", {**form, "outcome": text}, "outcome", text)

    @task(3)
    def type_an_amount(self) -> None:
        pk = random.choice(self.account["drafts"])
        page = self.open_step(pk, "funds")
        if page is None:
            return
        form = form_with(page.text, "version")
        budget = Decimal(form.get("current_full_year_budget") or "0") or Decimal("100000")
        amount = str((budget * Decimal(random.randint(60, 100)) / 100).quantize(Decimal("0.01")))
        self.live(pk, "funds", {**form, "current_executed": amount[:-3]})
        self.save(pk, "funds", {**form, "current_executed": amount}, "current_executed", amount)

    @task(2)
    def look_at_the_list_and_a_table(self) -> None:
        listing = self.page("/assessments/", "list")
        pks = DETAIL_LINK.findall(listing.text)
        if pks:
            self.page(f"/assessments/{random.choice(pks)}/", "detail")

    @task(1)
    def print_a_table(self) -> None:
        self.client.get(
            f"/assessments/{random.choice(self.account['drafts'])}/pdf/", name="pdf:table"
        )

    @task(1)
    def submit(self) -> None:
        pk = random.choice(self.account["drafts"])
        if self.open_step(pk, "review") is not None:
            self.transition(pk, "submit", "submit", {}, "已提交审核。")


class Reviewer(Person):
    """Opens submitted tables, pins a comment, returns or signs off."""

    role = "reviewers"
    weight = 2

    @task
    def review_one(self) -> None:
        year = ACCOUNTS["year"]
        listing = self.page(f"/assessments/?status=submitted&year={year}", "list submitted")
        pks = DETAIL_LINK.findall(listing.text)
        if not pks:
            return
        pk = int(random.choice(pks))
        detail = self.page(f"/assessments/{pk}/", "detail")
        try:
            comment = form_with(detail.text, "target")
        except LookupError:
            return
        comment["text"] = f"请核对此处数据（{random.randint(1, 10**6)}）"
        self.post_then_page(f"/assessments/{pk}/comments/", comment, "post:comment")
        if random.random() < 0.5:
            self.transition(
                pk, "return", "return", {"reason": "请按批注修改后重新提交。"}, "已退回填报人修改。"
            )
        else:
            self.transition(pk, "sign_off", "sign-off", {"comment": ""}, "已签发。")


class DepartmentStaff(Person):
    """Lists, filters, exports, prints and binds books."""

    role = "staff"
    weight = 2

    @task(4)
    def list_and_filter(self) -> None:
        year = ACCOUNTS["year"]
        query = random.choice(
            [
                f"year={year}",
                "status=signed_off",
                "grade=优",
                "errors=yes",
                "q=项目",
                "sort=-total_executed",
            ]
        )
        listing = self.page(f"/assessments/?{query}", "list filtered")
        pks = DETAIL_LINK.findall(listing.text)
        if pks:
            self.page(f"/assessments/{random.choice(pks)}/", "detail")

    @task(2)
    def summary(self) -> None:
        self.page("/assessments/summary/", "summary")

    @task(1)
    def export(self) -> None:
        year = ACCOUNTS["year"]
        self.client.get(f"/assessments/export.csv?year={year}", name="export:csv")
        self.client.get(
            f"/assessments/export.xlsx?year={year}&status=signed_off", name="export:xlsx"
        )

    @task(2)
    def download_pdfs(self) -> None:
        listing = self.page("/assessments/?status=signed_off", "list filtered")
        pks = DETAIL_LINK.findall(listing.text)
        for pk in random.sample(pks, k=min(2, len(pks))):
            self.client.get(f"/assessments/{pk}/pdf/", name="pdf:table")

    @task(1)
    def bind_a_book(self) -> None:
        page = self.page("/assessments/books/", "books")
        form = form_with(page.text, "organisation")
        units = re.findall(r'<option value="(\d+)"', page.text.split('name="year"')[0])
        form.update(organisation=random.choice(units[1:] or units), signed_only="on")
        form["year"] = str(ACCOUNTS["year_id"])
        response = self.post_then_page("/assessments/books/", form, "book:request")
        match = re.search(r'data-progress-url="([^"]+)"', response.text if response else "")
        if not match:
            return
        for _ in range(10):
            progress = self.client.get(match.group(1), name="book:progress").json()
            if progress["status"] in ("done", "failed"):
                break
            time.sleep(3)
        if progress.get("download_url"):
            self.client.get(progress["download_url"], name="book:download")


@events.request.add_listener
def add_server_time(name, response=None, **kwargs) -> None:
    header = response.headers.get("Server-Timing", "") if response is not None else ""
    timing = dict(TIMING.findall(header or ""))
    if "cpu" in timing:
        totals = SERVER_TIME[name]
        totals[0] += 1
        totals[1] += float(timing["cpu"])
        totals[2] += float(timing.get("app", 0))


@events.quitting.add_listener
def close_writes(environment, **kwargs) -> None:
    WRITES.close()
    if SERVER_TIME_FILE:
        Path(SERVER_TIME_FILE).write_text(json.dumps(SERVER_TIME, ensure_ascii=False), "utf-8")
