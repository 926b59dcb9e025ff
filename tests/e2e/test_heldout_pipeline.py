"""A held-out federation through the real pipeline, checked against answers worked by hand.

Three province exports are written here by hand in FORMATS.md's formats
(Ontario JSON Lines, a BC Transfer Guide folder, a Saskatchewan XML feed), run
through the real adapters (``transferhub adapter``) into the real embedded
broker, ingested by a real ``transferhub serve`` on SQLite, and queried with
the real CLI (``transfer``, ``stack``, ``equivalents`` with ``--json``).
Saskatchewan is exported twice: the second snapshot raises one rule's version
and changes it, drops one rule and one course, and offers a stale lower
version of another rule.

Every expected value below is derived by hand from MODEL.md, FORMATS.md and
CLI.md; the derivation is written beside it. Nothing here was copied from the
program's output.

Scales used (MODEL.md default: A+ 90, A 85, A- 80, B+ 76, B 72, B- 68, C+ 64,
C 60, C- 55, D 50, F 0):

- ON:SENE, ON:HUMB, ON:YORK, BC:CAPU, BC:SFU, SK:USASK: the default scale.
- ON:UOFT: A+ 90, A 85, A- 80, B+ 77, B 73, B- 70, C+ 67, C 63, C- 60, D+ 57, D 53, D- 50.
- BC:UVIC: A+ 90, A 85, A- 80, B+ 77, B 73, B- 70, C+ 65, C 60, D 50.
- BC:LANG: A+ 95, A 88, A- 82, B+ 78, B 74, B- 70, C+ 66, C 62, C- 58, D 50.
- SK:SAPO: A+ 95, A 90, B+ 85, B 80, C+ 75, C 70, D 60.

Credit systems: SENE/HUMB hours (42), UOFT/YORK credit weight (0.5), UVIC
units (1.5), UBCV/CAPU/LANG/SFU credits (3), USASK credit units (3), SAPO
credits (3). tc = value * 3.0 / standard_course.
"""

# ruff: noqa: E501 -- the exports below are verbatim records: a JSON line, CSV row or XML
# element cannot be wrapped without changing what the adapters read.

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import CLI, stop, wait_serving
from transferhub.broker import BrokerUnavailable, EmbeddedBroker, free_port

APPLY_SECONDS = 45.0

# --------------------------------------------------------------------------- exports

ONTARIO = r"""// held-out Ontario export (ONTransfer JSON Lines)
{"type":"institution","id":"SENE","name":"Seneca Polytechnic","sector":"college","credit_unit":"hours","standard_course":42}
{"type":"institution","id":"HUMB","name":"Humber Polytechnic","sector":"college","credit_unit":"hours","standard_course":42}
{"type":"institution","id":"UOFT","name":"University of Toronto","sector":"university","credit_unit":"credit weight","standard_course":0.5,"grading":{"A+":90,"A":85,"A-":80,"B+":77,"B":73,"B-":70,"C+":67,"C":63,"C-":60,"D+":57,"D":53,"D-":50,"F":0}}
{"type":"institution","id":"YORK","name":"York University","sector":"university","credit_unit":"credit weight","standard_course":0.5}

{"type":"credential","kind":"course","institution":"SENE","code":"IPC144","title":"Introduction to Programming Using C","value":56,"subject":"IPC","level":1}
{"type":"credential","kind":"course","institution":"SENE","code":"OOP244","title":"Object Oriented Programming","value":56,"subject":"OOP","level":2}
{"type":"credential","kind":"course","institution":"SENE","code":"ACC101","title":"Accounting Fundamentals","value":42,"subject":"ACC","level":1}
{"type":"credential","kind":"micro-credential","institution":"SENE","code":"MC-PY-01","title":"Python for Data","value":28,"competencies":["python"],"valid_from":"2021-09-01","valid_to":null}
{"type":"credential","kind":"course","institution":"UOFT","code":"MAT135H1","title":"Calculus I","value":0.5,"subject":"MAT","level":1}
{"type":"credential","kind":"course","institution":"UOFT","code":"CSC108H1","title":"Introduction to Computer Programming","value":0.5,"subject":"CSC","level":1}
{"type":"credential","kind":"micro-credential","institution":"HUMB","code":"MC-DA-01","title":"Data Cleaning Foundations","value":28,"stacks_into":[{"code":"CERT-DA","value":28}],"valid_from":"2021-09-01","valid_to":null}
{"type":"credential","kind":"micro-credential","institution":"HUMB","code":"MC-DA-02","title":"Python for Analysts","value":28,"stacks_into":[{"code":"CERT-DA","value":28}],"valid_from":"2021-09-01","valid_to":null}
{"type":"credential","kind":"micro-credential","institution":"HUMB","code":"MC-DA-03","title":"Dashboards","value":42,"stacks_into":[{"code":"CERT-DA","value":35}],"valid_from":"2021-09-01","valid_to":null}
{"type":"credential","kind":"certificate","institution":"HUMB","code":"CERT-DA","title":"Data Analytics Certificate","value":112}

{"type":"equivalency","id":"ONT-2019-0101","version":1,"from":["SENE:IPC144"],"to":{"institution":"YORK","grant":"course","courses":[{"code":"EECS 1015","value":0.5}]},"min_grade":"C+","effective_start":"2019-09-01","effective_end":null}
{"type":"equivalency","id":"ONT-2020-0102","version":2,"from":["SENE:IPC144","SENE:OOP244"],"to":{"institution":"YORK","grant":"unassigned","subject":"EECS","level":1,"value":1.0},"min_grade":"60","effective_start":"2020-09-01","effective_end":"2024-08-31"}
{"type":"equivalency","id":"ONT-2019-0103","version":1,"from":["SENE:ACC101"],"to":{"institution":"YORK","grant":"no_credit"},"effective_start":"2019-01-01","effective_end":null}
{"type":"equivalency","id":"ONT-2015-0104","version":1,"from":["UOFT:MAT135H1"],"to":{"institution":"YORK","grant":"course","courses":[{"code":"MATH 1505","value":0.5}]},"min_grade":"C+","effective_start":"2015-09-01","effective_end":null}
{"type":"equivalency","id":"ONT-2022-0105","version":1,"from":["SENE:MC-PY-01"],"to":{"institution":"HUMB","grant":"course","courses":[{"code":"MC-DA-02","value":28}]},"min_grade":"B","effective_start":"2022-06-15","effective_end":null}
{"type":"equivalency","id":"ONT-2019-0106","version":1,"from":["SENE:OOP244"],"to":{"institution":"YORK","grant":"course","courses":[{"code":"EECS 2030","value":0.5}]},"min_grade":"70","effective_start":"2019-09-01","effective_end":null}
{"type":"equivalency","id":"ONT-2015-0107","version":1,"from":["UOFT:CSC108H1"],"to":{"institution":"YORK","grant":"course","courses":[{"code":"EECS 1012","value":0.5}]},"min_grade":"65","effective_start":"2015-09-01","effective_end":"2018-04-20"}
"""
# 4 institutions + 10 credentials + 7 rules, all new: 21 events.
ONTARIO_RECORDS = 21

BC_INSTITUTIONS = """\
code,name,credit_unit,standard_course,grading
UBCV,University of British Columbia - Vancouver,credits,3,A+=90;A=85;A-=80;B+=76;B=72;B-=68;C+=64;C=60;C-=55;D=50;F=0
UVIC,University of Victoria,units,1.5,A+=90;A=85;A-=80;B+=77;B=73;B-=70;C+=65;C=60;D=50;F=0
CAPU,Capilano University,credits,3,
LANG,Langara College,credits,3,A+=95;A=88;A-=82;B+=78;B=74;B-=70;C+=66;C=62;C-=58;D=50;F=0
SFU,Simon Fraser University,credits,3,
"""

BC_EQUIVALENCIES = """\
id,version,sending_institution,sending_courses,sending_title,sending_credits,receiving_institution,transfer_credit,min_grade,effective_start,effective_end
90001,1,ON:SENE,IPC144,Introduction to Programming Using C,56,CAPU,CAPU CSCI 110 (3),C+,Sep 2019,present
90002,1,CAPU,CSCI 110,Programming I,3,UBCV,UBCV CPSC 1st (3),,Sep/15,present
90003,2,CAPU,ENGL 100,University Writing,3,UVIC,UVIC ENGL 135 (1.5),C,Sep/15,Apr 2020
90004,1,CAPU,PSYC 100,Introductory Psychology,3,UVIC,"UVIC PSYC 100A (1.5) & UVIC PSYC 100B (1.5), or UVIC PSYC 1XX (1.5)",,20120901,
90005,1,CAPU,BADM 101,Business Basics,3,UVIC,No credit,,Sep/12,ongoing
90006,1,CAPU,HIST 100,World History,3,UVIC,Individual assessment,,Sep/12,-
90007,1,CAPU,MATH 100,Precalculus,3,UVIC,UVIC MATH 1st (-),,Sep/12,present
90008,1,CAPU,CHEM 100,Preparatory Chemistry,3,UVIC,"UVIC CHEM 091 (0), Precludes credit for UVIC CHEM 101 (1.5)",,Sep/12,present
90009,1,LANG,ENGL 1127,Academic Writing,3,UVIC,Any 2 of LANG ENGL 1127 (3) or LANG ENGL 1128 (3) or LANG ENGL 1130 (3) = UVIC ENGL 1XX (3),C+,Sep/12,present
90010,1,LANG,ENGL 1127,Academic Writing,3,UVIC,UVIC ENGL 146 (1.5),,Sept/12,present
90011,1,CAPU,GEOG 100,Physical Geography,3,SFU,"SFU GEOG 1XX (3), B-Soc",,Jan 2010,present
90013,1,ON:UOFT,MAT135H1,Calculus I,0.5,UBCV,UBCV MATH 100 (3),B-,Sep/15,present
90014,1,SK:SAPO,COSC 100,Computer Science Fundamentals,3,UBCV,UBCV CPSC 100 (4),,Sep/18,present
90015,1,CAPU,CSCI 111 & CSCI 112,Programming II and III,6,UBCV,UBCV CPSC 210 (4) & CPSC 2nd (2),C,Sep/18,present
90016,1,CAPU,STAT 101 & STAT 102,Statistics I and II,6,UBCV,UBCV STAT 1st (3),,Sep/18,present
90017,1,CAPU,STAT 102,Statistics II,3,UBCV,UBCV STAT 200 (4),,Sep/18,present
"""

_SK_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<TransferCreditGuide province="SK" generated="{generated}">
  <Institution id="USASK" name="University of Saskatchewan" creditUnit="credit units" standardCourse="3"/>
  <Institution id="SAPO" name="Saskatchewan Polytechnic" creditUnit="credits" standardCourse="3">
    <Grade letter="A+" minPercent="95"/>
    <Grade letter="A" minPercent="90"/>
    <Grade letter="B+" minPercent="85"/>
    <Grade letter="B" minPercent="80"/>
    <Grade letter="C+" minPercent="75"/>
    <Grade letter="C" minPercent="70"/>
    <Grade letter="D" minPercent="60"/>
    <Grade letter="F" minPercent="0"/>
  </Institution>
  <Course institution="SAPO" code="COSC 100" title="Computer Science Fundamentals" credits="3" level="1" subject="COSC"/>
  <Course institution="SAPO" code="BADM 10" title="Business Fundamentals" credits="3" level="1" subject="BADM"/>
  <Course institution="SAPO" code="CHEM 100" title="General Chemistry" credits="3" level="1" subject="CHEM"/>
  <Course institution="SAPO" code="ACCT 101" title="Financial Accounting I" credits="3" level="1" subject="ACCT"/>
  <Course institution="SAPO" code="DIP-BA" kind="diploma" title="Business Administration Diploma" credits="60"/>
"""
_SK_STABLE_RULES = """
  <Equivalency id="SKTCG-5002" version="2" effectiveFrom="2019-09-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="BADM 10"/></Sending>
    <Receiving institution="USASK" grant="none"/>
  </Equivalency>
  <Equivalency id="SKTCG-5005" version="1" effectiveFrom="2015-09-01" effectiveTo="">
    <Sending institution="ON:UOFT"><Course code="MAT135H1"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="MATH 110" credits="3"/></Receiving>
    <Condition minimumGrade="69"/>
  </Equivalency>
  <Equivalency id="SKTCG-5007" version="1" effectiveFrom="2016-09-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="DIP-BA"/></Sending>
    <Receiving institution="USASK" grant="block" program="BComm" credits="30"/>
  </Equivalency>
"""

SASKATCHEWAN_1 = _SK_HEAD.format(generated="2026-11-01T06:00:00Z") + """\
  <Course institution="SAPO" code="MATH 151" title="Technical Mathematics" credits="3" level="1" subject="MATH"/>
  <Equivalency id="SKTCG-5001" version="1" effectiveFrom="2020-09-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="COSC 100"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="CMPT 140" credits="3"/></Receiving>
    <Condition minimumGrade="C"/>
  </Equivalency>
  <Equivalency id="SKTCG-5003" version="1" effectiveFrom="2018-01-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="CHEM 100"/></Sending>
    <Receiving institution="USASK" grant="unassigned" subject="CHEM" level="1" credits="3"/>
  </Equivalency>
  <Equivalency id="SKTCG-5006" version="3" effectiveFrom="2017-01-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="ACCT 101"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="COMM 201" credits="3"/></Receiving>
  </Equivalency>
""" + _SK_STABLE_RULES + "</TransferCreditGuide>\n"
# 2 institutions + 6 courses + 6 rules, all new: 14 events.
SASKATCHEWAN_1_RECORDS = 14

# The newer snapshot: SKTCG-5001 v1 -> v2 (CMPT 141, minimum B); SKTCG-5003 and
# course MATH 151 gone; SKTCG-5006 offered at a stale version 2 with other content.
SASKATCHEWAN_2 = _SK_HEAD.format(generated="2026-12-01T06:00:00Z") + """\
  <Equivalency id="SKTCG-5001" version="2" effectiveFrom="2020-09-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="COSC 100"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="CMPT 141" credits="3"/></Receiving>
    <Condition minimumGrade="B"/>
  </Equivalency>
  <Equivalency id="SKTCG-5006" version="2" effectiveFrom="2017-01-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="ACCT 101"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="COMM 999" credits="6"/></Receiving>
  </Equivalency>
""" + _SK_STABLE_RULES + "</TransferCreditGuide>\n"


# --------------------------------------------------------------------------- the pipeline

def _run(*args: str, hub: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERHUB_")}
    if hub:
        env["TRANSFERHUB_HUB"] = hub
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=60)


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, (result.args, result.stderr)
    return json.loads(result.stdout)


@dataclass
class Federation:
    """The running hub and what was observed while building it."""

    hub: str
    kafka: str
    state: Path
    exports: Path
    adapter_runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    usask_before_second_export: dict[str, Any] = field(default_factory=dict)
    expected_events: dict[str, int] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)

    def adapter(self, name: str, province: str, path: Path) -> dict[str, Any]:
        """Run one adapter over one export and remember what it must lead the hub to apply."""
        doc = _json(_run("adapter", province, str(path), "--kafka", self.kafka,
                         "--state", str(self.state / province), "--json"))
        self.adapter_runs[name] = doc
        key = doc["province"]
        self.expected_events[key] = (self.expected_events.get(key, 0)
                                     + doc["published"] + doc["retired"])
        return doc

    def wait_applied(self) -> None:
        """Wait until the hub has handled every event the adapters published, lag 0."""
        deadline = time.monotonic() + APPLY_SECONDS
        while True:
            doc = _json(_run("status", "--json", hub=self.hub))
            handled = {p: sum(v[k] for k in ("events_applied", "events_duplicate",
                                               "events_stale", "dead_lettered"))
                       for p, v in doc["by_province"].items()}
            if doc["lag"] == 0 and all(handled.get(p, 0) >= n
                                       for p, n in self.expected_events.items()):
                self.status = doc
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the hub did not apply {self.expected_events} within "
                            f"{APPLY_SECONDS} s: {doc}")
            time.sleep(0.3)

    def transfer(self, to: str, *completed: str) -> dict[str, Any]:
        """``transferhub transfer --json``."""
        args = ["transfer", "--to", to, "--json"]
        for item in completed:
            args += ["--completed", item]
        return _json(_run(*args, hub=self.hub))

    def stack(self, toward: str, *completed: str) -> dict[str, Any]:
        """``transferhub stack --json``."""
        args = ["stack", "--toward", toward, "--json"]
        for item in completed:
            args += ["--completed", item]
        return _json(_run(*args, hub=self.hub))

    def equivalents(self, credential: str) -> dict[str, Any]:
        """``transferhub equivalents --json``."""
        return _json(_run("equivalents", credential, "--json", hub=self.hub))




@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    """Broker, hub and adapters, all real; Saskatchewan exported twice.

    Between the two Saskatchewan exports the hub is asked one USASK question,
    so the first version's answer is observed through Kafka too.
    """
    root = tmp_path_factory.mktemp("heldout")
    broker = EmbeddedBroker.on_free_port()
    try:
        broker.start()
    except BrokerUnavailable as exc:  # never a skip: this test exists to run the pipeline
        pytest.fail(f"the embedded broker could not start: {exc}", pytrace=False)
    serve: subprocess.Popen[bytes] | None = None
    try:
        broker.ensure_topics()
        hub = f"127.0.0.1:{free_port()}"
        env = {**os.environ, "TRANSFERHUB_SESSION_TIMEOUT_MS": "6000"}
        with (root / "serve.log").open("wb") as log:
            serve = subprocess.Popen(
                [*CLI, "serve", "--kafka", broker.address, "--db", f"sqlite:///{root / 'hub.db'}",
                 "--grpc", hub, "--metrics", ""], stdout=subprocess.DEVNULL, stderr=log, env=env)
        wait_serving(hub, serve)  # type: ignore[arg-type]

        exports = root / "exports"
        (exports / "bc").mkdir(parents=True)
        (exports / "ontario.jsonl").write_text(ONTARIO, encoding="utf-8")
        (exports / "bc" / "institutions.csv").write_text(BC_INSTITUTIONS, encoding="utf-8")
        (exports / "bc" / "equivalencies.csv").write_text(BC_EQUIVALENCIES, encoding="utf-8")
        (exports / "sk1.xml").write_text(SASKATCHEWAN_1, encoding="utf-8")
        (exports / "sk2.xml").write_text(SASKATCHEWAN_2, encoding="utf-8")

        fed = Federation(hub=hub, kafka=broker.address, state=root / "state", exports=exports)
        fed.adapter("ontario", "ontario", exports / "ontario.jsonl")
        fed.adapter("bc", "bc", exports / "bc")
        fed.adapter("sk1", "saskatchewan", exports / "sk1.xml")
        fed.wait_applied()
        fed.usask_before_second_export = fed.transfer("SK:USASK", *USASK_TRANSCRIPT_1)
        fed.adapter("sk2", "saskatchewan", exports / "sk2.xml")
        fed.adapter("sk2-again", "saskatchewan", exports / "sk2.xml")
        fed.wait_applied()
        yield fed
    finally:
        if serve is not None:
            stop(serve)
        broker.stop()


# --------------------------------------------------------------------------- helpers

def _by_rule(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["rule"]: item for item in doc["awarded"]}


def _reasons(doc: dict[str, Any]) -> dict[str, str]:
    return {item["credential"]: item["reason"] for item in doc["not_transferred"]}


def _course(code: str, credits: float) -> dict[str, Any]:
    return {"kind": "course", "code": code, "credits": credits}


def _unassigned(subject: str, level: int, credits: float) -> dict[str, Any]:
    return {"kind": "unassigned", "code": None, "subject": subject, "level": level,
            "credits": credits}


def _shape(grant: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    """The keys of ``grant`` that the expected ``like`` names (course subject/level are
    the hub's reading of a code, which MODEL.md does not define)."""
    return {k: grant.get(k) for k in like}


def _grants_are(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert _shape(got, want) == want, got


# --------------------------------------------------------------------------- Ontario

# Q1, to ON:YORK.
#   IPC144 "C+" at SENE (default scale) = 64, completed 2020-09 = 2020-09-30.
#   OOP244 72, 2024-08 = 2024-08-31 (ONT-2020-0102's last day: inside, both ends included).
#   ACC101 A, 2021-04: ONT-2019-0103 is no_credit from 2019-01-01 -> no_credit.
#   MAT135H1 66 at UOFT against ONT-2015-0104's "C+" on UOFT's scale = 67: 66 < 67 ->
#     below_min_grade (on the default scale C+ would be 64 and it would pass).
#   EAC150: no record, no rule names it -> unknown_credential.
# Applicable granting rules: ONT-2019-0101 (IPC144 64 >= C+ 64; 2020-09-30 >= 2019-09-01):
#   EECS 1015 0.5; ONT-2020-0102 (IPC144 64 >= 60, OOP244 72 >= 60, both inside
#   2020-09-01..2024-08-31): EECS 1st 1.0; ONT-2019-0106 (OOP244 72 >= 70): EECS 2030 0.5.
# Sets: {0101, 0106} = 1.0 credit weight, all in specific courses; {0102} = 1.0, none
#   in specific courses. Tie on the total -> more credits in specific courses wins:
#   {0101, 0106}. Total 1.0 credit weight = 1.0 * 3 / 0.5 = 6.0 tc.
YORK_TRANSCRIPT_1 = ("ON:SENE:IPC144=C+@2020-09", "ON:SENE:OOP244=72@2024-08",
                     "ON:SENE:ACC101=A@2021-04", "ON:UOFT:MAT135H1=66@2019-12",
                     "ON:SENE:EAC150=B@2021-01")

# Q2, to ON:YORK.
#   IPC144 "C" at SENE = 60: fails ONT-2019-0101 (C+ = 64), meets ONT-2020-0102 (60).
#   OOP244 72 @ 2024-08 as above: ONT-2020-0102 and ONT-2019-0106 apply.
#   Sets: {0102} = 1.0 vs {0106} = 0.5 -> {0102} using IPC144 and OOP244.
#   MAT135H1 "C+" at UOFT = 67 >= C+ 67 -> ONT-2015-0104 MATH 1505 0.5.
#   CSC108H1 "C+" at UOFT = 67 >= 65 (the default scale's 64 would fail), completed
#   2018-04 = 2018-04-30, after ONT-2015-0107's end 2018-04-20 (reading the month as its
#   first day would wrongly put it inside) -> outside_effective_window.
# Total 1.0 + 0.5 = 1.5 credit weight = 9.0 tc.
YORK_TRANSCRIPT_2 = ("ON:SENE:IPC144=C@2020-09", "ON:SENE:OOP244=72@2024-08",
                     "ON:UOFT:MAT135H1=C+@2019-12", "ON:UOFT:CSC108H1=C+@2018-04")


class TestOntarioTransfers:
    """Ontario's hours and credit weights, each sender's own scale, window edges, ties."""

    def test_the_ontario_adapter_publishes_every_record(self, federation: Federation) -> None:
        run = federation.adapter_runs["ontario"]
        assert (run["province"], run["published"], run["retired"], run["rejected"]) == (
            "ON", ONTARIO_RECORDS, 0, [])

    def test_a_tie_on_credits_goes_to_specific_courses(self, federation: Federation) -> None:
        doc = federation.transfer("ON:YORK", *YORK_TRANSCRIPT_1)
        assert (doc["receiving_institution"], doc["credit_unit"]) == ("ON:YORK", "credit weight")
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["ON:ONT-2019-0101", "ON:ONT-2019-0106"]
        assert awarded["ON:ONT-2019-0101"]["from"] == ["ON:SENE:IPC144"]
        assert awarded["ON:ONT-2019-0106"]["from"] == ["ON:SENE:OOP244"]
        for rule, code in (("ON:ONT-2019-0101", "EECS 1015"), ("ON:ONT-2019-0106", "EECS 2030")):
            assert (awarded[rule]["credits"], awarded[rule]["tc"]) == (0.5, 3.0)
            _grants_are(awarded[rule]["grants"], [_course(code, 0.5)])
        assert _reasons(doc) == {"ON:SENE:ACC101": "no_credit",
                                 "ON:SENE:EAC150": "unknown_credential",
                                 "ON:UOFT:MAT135H1": "below_min_grade"}
        assert [n["credential"] for n in doc["not_transferred"]] == sorted(_reasons(doc))
        assert (doc["total_credits"], doc["total_tc"]) == (1.0, 6.0)
        assert doc["suggested"] == []  # no rule chain from any of these reaches ON:YORK

    def test_letters_read_on_the_senders_scale_and_month_ends(self,
                                                              federation: Federation) -> None:
        doc = federation.transfer("ON:YORK", *YORK_TRANSCRIPT_2)
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["ON:ONT-2015-0104", "ON:ONT-2020-0102"]
        pair = awarded["ON:ONT-2020-0102"]
        assert sorted(pair["from"]) == ["ON:SENE:IPC144", "ON:SENE:OOP244"]
        _grants_are(pair["grants"], [_unassigned("EECS", 1, 1.0)])
        assert (pair["credits"], pair["tc"]) == (1.0, 6.0)
        _grants_are(awarded["ON:ONT-2015-0104"]["grants"], [_course("MATH 1505", 0.5)])
        assert _reasons(doc) == {"ON:UOFT:CSC108H1": "outside_effective_window"}
        assert (doc["total_credits"], doc["total_tc"]) == (1.5, 9.0)


# Q3, stacking toward ON:HUMB:CERT-DA (certificate, 112 hours).
#   MC-DA-01 stacks 28; MC-DA-03 is worth 42 hours but its record says 35 count.
#   SENE:MC-PY-01 "B+" = 76 >= ONT-2022-0105's "B" = 72 (SENE, default scale); completed
#   2022-06 = 2022-06-30, inside a window starting 2022-06-15 (the month's first day would
#   not be) -> HUMB MC-DA-02 -> stacks 28 through the rule.
#   SENE:IPC144 has no rule to HUMB: it does not count.
# earned 28 + 35 + 28 = 91; remaining 112 - 91 = 21 (hours).

class TestStackingThroughATransferRule:
    """Micro-credentials stack by their records' values; another institution's counts
    through a transfer rule into the target's institution first."""

    def test_earned_and_remaining(self, federation: Federation) -> None:
        doc = federation.stack("ON:HUMB:CERT-DA", "ON:HUMB:MC-DA-01=A@2023-05",
                               "ON:HUMB:MC-DA-03=B@2023-12", "ON:SENE:MC-PY-01=B+@2022-06",
                               "ON:SENE:IPC144=A@2021-04")
        assert (doc["target"], doc["unit"]) == ("ON:HUMB:CERT-DA", "hours")
        assert (doc["required"], doc["earned"], doc["remaining"]) == (112.0, 91.0, 21.0)
        counted = {c["credential"]: c["value"] for c in doc["counted"]}
        # "which completed credentials counted": the learner completed MC-PY-01, not MC-DA-02.
        assert counted == {"ON:HUMB:MC-DA-01": 28.0, "ON:HUMB:MC-DA-03": 35.0,
                           "ON:SENE:MC-PY-01": 28.0}

    def test_a_credential_that_fails_the_rule_does_not_count(self,
                                                             federation: Federation) -> None:
        # MC-PY-01 "B-" at SENE = 68 < ONT-2022-0105's B (72): no MC-DA-02 through the rule.
        # earned 28 (MC-DA-01); remaining 112 - 28 = 84.
        doc = federation.stack("ON:HUMB:CERT-DA", "ON:HUMB:MC-DA-01=A@2023-05",
                               "ON:SENE:MC-PY-01=B-@2022-06")
        assert (doc["required"], doc["earned"], doc["remaining"]) == (112.0, 28.0, 84.0)
        assert [c["credential"] for c in doc["counted"]] == ["ON:HUMB:MC-DA-01"]


# --------------------------------------------------------------------------- British Columbia

# Q4, to BC:UVIC (units, standard 1.5).
#   CAPU ENGL 100 "C" (CAPU default) = 60 >= C 60; 2020-04 = 2020-04-30 = the last day of
#     90003's window (Sep/15 .. Apr 2020, a month end is its last day) -> ENGL 135 1.5.
#   CAPU PSYC 100 80 -> 90004: alternatives [PSYC 100A 1.5 & PSYC 100B 1.5] (3.0) or
#     [PSYC 1XX 1.5]; counted credits = the smallest alternative = 1.5; grants = the first.
#   CAPU BADM 101 -> 90005 "No credit" -> no_credit.
#   CAPU HIST 100 -> 90006 "Individual assessment" -> individual_assessment.
#   CAPU MATH 100 -> 90007 "(-)": unknown credits count 0; awarded (more credentials used).
#   CAPU CHEM 100 -> 90008 "(0)" with a "Precludes" note: 0 credits, awarded, note kept.
#   CAPU CSCI 110: its only rule is to UBCV -> no_agreement; no chain reaches UVIC.
#   LANG ENGL 1127 B = 74, 1128 "C+" = 66, 1130 66: all meet 90009's C+ (LANG 66).
#     90010 takes ENGL 1127 alone (1.5). Best set: 90010{1127} + 90009{1128, 1130} =
#     1.5 + 3 = 4.5 (the first two in id order, {1127, 1128}, would leave 3 + 0).
# Total 1.5 + 1.5 + 0 + 0 + 3 + 1.5 = 7.5 units = 7.5 * 3 / 1.5 = 15.0 tc.
UVIC_TRANSCRIPT_1 = ("BC:CAPU:ENGL 100=C@2020-04", "BC:CAPU:PSYC 100=80@2019-12",
                     "BC:CAPU:BADM 101=A@2019-12", "BC:CAPU:HIST 100=A@2019-12",
                     "BC:CAPU:MATH 100=B@2019-12", "BC:CAPU:CHEM 100=B@2019-12",
                     "BC:CAPU:CSCI 110=A@2019-12", "BC:LANG:ENGL 1127=B@2019-04",
                     "BC:LANG:ENGL 1128=C+@2019-04", "BC:LANG:ENGL 1130=66@2019-04")

# Q5, to BC:UVIC.
#   CAPU ENGL 100 A @ 2020-05 = 2020-05-31 > 2020-04-30 -> outside_effective_window.
#   CAPU PSYC 100 A @ 2012-08 = 2012-08-31 < 90004's start 20120901 (the API's YYYYMMDD)
#     -> outside_effective_window.
#   LANG ENGL 1130 65 < C+ 66 at LANG (64 on the default scale would pass); 1127 and 1128
#     qualify: 90009{1127, 1128} = 3 beats 90010{1127} = 1.5 -> 1130 below_min_grade
#     (90009 needs one other of its three, and the others are in the transcript).
# Total 3 units = 6.0 tc.
UVIC_TRANSCRIPT_2 = ("BC:CAPU:ENGL 100=A@2020-05", "BC:CAPU:PSYC 100=A@2012-08",
                     "BC:LANG:ENGL 1127=B@2019-04", "BC:LANG:ENGL 1128=C+@2019-04",
                     "BC:LANG:ENGL 1130=65@2019-04")

# Q6, to BC:UBCV (credits, standard 3).
#   ON:UOFT:MAT135H1 "B-" at UOFT = 70 >= B- 70 -> 90013 MATH 100 (3): 3 credits, 3 tc.
#   SK:SAPO:COSC 100 C @ 2021-04 -> 90014 CPSC 100 (4): 4 credits, 4 tc.
#   CAPU CSCI 111 B = 72 and CSCI 112 "C-" = 55 against 90015's C (60), both required:
#     CSCI 112 -> below_min_grade; CSCI 111 qualifies but its partner does not ->
#     incomplete_combination. (90015's "& CPSC 2nd (2)" belongs to UBCV.)
#   CAPU STAT 101 A and STAT 102 A: 90016 {101 & 102} = 3 and 90017 {102} = 4 compete for
#     STAT 102: {90017} = 4 > 3 -> STAT 101 is left, its rule applies but was not
#     chosen -> used_elsewhere.
#   ON:SENE:IPC144 B (72) @ 2021-04: no rule from ON:SENE to UBCV -> no_agreement; but
#     90001 (IPC144 -> CAPU CSCI 110, C+ 64 <= 72, from Sep 2019) and 90002 (CAPU CSCI 110
#     -> UBCV CPSC 1st (3)) chain -> suggested, inferred, chain [BC:90001, BC:90002].
# Total 3 + 4 + 4 = 11 credits = 11.0 tc; the suggestion is not counted.
UBCV_TRANSCRIPT = ("ON:UOFT:MAT135H1=B-@2020-12", "SK:SAPO:COSC 100=C@2021-04",
                   "ON:SENE:IPC144=B@2021-04", "BC:CAPU:CSCI 111=B@2020-04",
                   "BC:CAPU:CSCI 112=C-@2020-04", "BC:CAPU:STAT 101=A@2020-04",
                   "BC:CAPU:STAT 102=A@2020-04")


class TestBritishColumbiaTransfers:
    """The Guide's notation read and answered: alternatives, (-), (0), notes, Any 2 of."""

    def test_every_bc_row_reads(self, federation: Federation) -> None:
        run = federation.adapter_runs["bc"]
        assert (run["province"], run["rejected"]) == ("BC", [])

    def test_uvic_units_alternatives_unknown_and_zero_credits_any_two(
            self, federation: Federation) -> None:
        doc = federation.transfer("BC:UVIC", *UVIC_TRANSCRIPT_1)
        assert (doc["receiving_institution"], doc["credit_unit"]) == ("BC:UVIC", "units")
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["BC:90003", "BC:90004", "BC:90007", "BC:90008",
                                   "BC:90009", "BC:90010"]
        engl = awarded["BC:90003"]
        assert (engl["from"], engl["credits"], engl["tc"]) == (["BC:CAPU:ENGL 100"], 1.5, 3.0)
        _grants_are(engl["grants"], [_course("ENGL 135", 1.5)])

        psyc = awarded["BC:90004"]
        assert (psyc["credits"], psyc["tc"]) == (1.5, 3.0)
        _grants_are(psyc["grants"], [_course("PSYC 100A", 1.5), _course("PSYC 100B", 1.5)])
        assert len(psyc["alternatives"]) == 2
        _grants_are(psyc["alternatives"][0], [_course("PSYC 100A", 1.5),
                                              _course("PSYC 100B", 1.5)])
        _grants_are(psyc["alternatives"][1], [_unassigned("PSYC", 1, 1.5)])

        math = awarded["BC:90007"]
        assert (math["from"], math["credits"], math["tc"]) == (["BC:CAPU:MATH 100"], 0.0, 0.0)
        assert "unknown" in json.dumps(math)  # "(-) count as 0 and the answer says so"

        chem = awarded["BC:90008"]
        assert (chem["from"], chem["credits"], chem["tc"]) == (["BC:CAPU:CHEM 100"], 0.0, 0.0)
        assert [(g["kind"], g["code"], g["credits"]) for g in chem["grants"]] == [
            ("course", "CHEM 091", 0.0)]
        assert "Precludes credit for UVIC CHEM 101" in chem["notes"]

        assert sorted(awarded["BC:90009"]["from"]) == ["BC:LANG:ENGL 1128", "BC:LANG:ENGL 1130"]
        _grants_are(awarded["BC:90009"]["grants"], [_unassigned("ENGL", 1, 3.0)])
        assert (awarded["BC:90009"]["credits"], awarded["BC:90009"]["tc"]) == (3.0, 6.0)
        assert awarded["BC:90010"]["from"] == ["BC:LANG:ENGL 1127"]

        assert _reasons(doc) == {"BC:CAPU:BADM 101": "no_credit",
                                 "BC:CAPU:CSCI 110": "no_agreement",
                                 "BC:CAPU:HIST 100": "individual_assessment"}
        assert (doc["total_credits"], doc["total_tc"]) == (7.5, 15.0)
        assert doc["suggested"] == []

    def test_window_edges_and_the_senders_scale(self, federation: Federation) -> None:
        doc = federation.transfer("BC:UVIC", *UVIC_TRANSCRIPT_2)
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["BC:90009"]
        assert sorted(awarded["BC:90009"]["from"]) == ["BC:LANG:ENGL 1127", "BC:LANG:ENGL 1128"]
        assert _reasons(doc) == {"BC:CAPU:ENGL 100": "outside_effective_window",
                                 "BC:CAPU:PSYC 100": "outside_effective_window",
                                 "BC:LANG:ENGL 1130": "below_min_grade"}
        assert (doc["total_credits"], doc["total_tc"]) == (3.0, 6.0)

    def test_other_provinces_credits_and_a_suggestion_across_provinces(
            self, federation: Federation) -> None:
        doc = federation.transfer("BC:UBCV", *UBCV_TRANSCRIPT)
        assert doc["credit_unit"] == "credits"
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["BC:90013", "BC:90014", "BC:90017"]
        assert awarded["BC:90013"]["from"] == ["ON:UOFT:MAT135H1"]
        _grants_are(awarded["BC:90013"]["grants"], [_course("MATH 100", 3.0)])
        assert awarded["BC:90014"]["from"] == ["SK:SAPO:COSC 100"]
        assert (awarded["BC:90014"]["credits"], awarded["BC:90014"]["tc"]) == (4.0, 4.0)
        assert awarded["BC:90017"]["from"] == ["BC:CAPU:STAT 102"]
        assert _reasons(doc) == {"BC:CAPU:CSCI 111": "incomplete_combination",
                                 "BC:CAPU:CSCI 112": "below_min_grade",
                                 "BC:CAPU:STAT 101": "used_elsewhere",
                                 "ON:SENE:IPC144": "no_agreement"}
        assert (doc["total_credits"], doc["total_tc"]) == (11.0, 11.0)
        (suggestion,) = doc["suggested"]
        assert suggestion["from"] == ["ON:SENE:IPC144"]
        assert (suggestion["basis"], suggestion["chain"]) == ("inferred", ["BC:90001", "BC:90002"])
        _grants_are(suggestion["grants"], [_unassigned("CPSC", 1, 3.0)])

    def test_a_designation_is_kept(self, federation: Federation) -> None:
        (rule,) = federation.equivalents("BC:CAPU:GEOG 100")["equivalents"]
        assert (rule["rule"], rule["province"], rule["receiving_institution"]) == (
            "BC:90011", "BC", "BC:SFU")
        (grant,) = rule["grants"]
        assert _shape(grant, {**_unassigned("GEOG", 1, 3.0), "designation": None}) == {
            **_unassigned("GEOG", 1, 3.0), "designation": "B-Soc"}

    def test_equivalents_cross_provinces_with_provenance(self, federation: Federation) -> None:
        # IPC144 is named by ON:ONT-2019-0101 (v1), ON:ONT-2020-0102 (v2, with OOP244) and
        # BC:90001 (v1, to CAPU, min C+, Sep 2019 = 2019-09-01, open end).
        doc = federation.equivalents("ON:SENE:IPC144")
        rules = {e["rule"]: e for e in doc["equivalents"]}
        assert sorted(rules) == ["BC:90001", "ON:ONT-2019-0101", "ON:ONT-2020-0102"]
        bc = rules["BC:90001"]
        assert (bc["province"], bc["version"], bc["receiving_institution"], bc["min_grade"],
                bc["effective_start"], bc["effective_end"]) == (
            "BC", 1, "BC:CAPU", "C+", "2019-09-01", None)
        pair = rules["ON:ONT-2020-0102"]
        assert (pair["province"], pair["version"], sorted(pair["from"]), pair["outcome"],
                pair["effective_start"], pair["effective_end"]) == (
            "ON", 2, ["ON:SENE:IPC144", "ON:SENE:OOP244"], "unassigned",
            "2020-09-01", "2024-08-31")
        assert rules["ON:ONT-2019-0101"]["receiving_institution"] == "ON:YORK"


# --------------------------------------------------------------------------- Saskatchewan

# Q7, to SK:USASK (credit units, standard 3), after the first export only.
#   COSC 100 75 >= SKTCG-5001 v1's "C" at SAPO = 70; 2021-04 >= 2020-09-01 -> CMPT 140 (3).
#   BADM 10 -> SKTCG-5002 grant="none" -> no_credit.
#   CHEM 100 B @ 2019-06 -> SKTCG-5003 CHEM 1st (3).
#   ACCT 101 -> SKTCG-5006 v3 COMM 201 (3).
#   ON:UOFT:MAT135H1 "B-" at UOFT = 70 >= 69 (the default scale's 68 would fail) -> MATH 110 (3).
#   DIP-BA -> SKTCG-5007 block BComm 30.
# Total 3 + 3 + 3 + 3 + 30 = 42 credit units = 42.0 tc.
USASK_TRANSCRIPT_1 = ("SK:SAPO:COSC 100=75@2021-04", "SK:SAPO:BADM 10=A@2020-06",
                      "SK:SAPO:CHEM 100=B@2019-06", "SK:SAPO:ACCT 101=B@2019-06",
                      "ON:UOFT:MAT135H1=B-@2020-12", "SK:SAPO:DIP-BA=80@2022-06")

# Q8, to SK:USASK, after the second export.
#   COSC 100 75 < SKTCG-5001 v2's "B" at SAPO = 80 -> below_min_grade (v1 would award).
#   CHEM 100: SKTCG-5003 revoked, the course still published -> no_agreement.
#   ACCT 101: v2 is older than the v3 on the hub -> v3 stays: COMM 201 (3).
#   MATH 151: the course vanished (retired) and no rule ever named it: MODEL.md's
#     "the hub has no record of it" may or may not cover a retired record, so
#     unknown_credential or no_agreement; never awarded.
# Total 3 credit units = 3.0 tc.
USASK_TRANSCRIPT_2 = ("SK:SAPO:COSC 100=75@2021-04", "SK:SAPO:CHEM 100=B@2019-06",
                      "SK:SAPO:ACCT 101=B@2019-06", "SK:SAPO:MATH 151=A@2019-06")


class TestSaskatchewanAndASecondExport:
    """A newer snapshot replaces a rule by its higher version, revokes a vanished rule,
    retires a vanished course, ignores a stale version; all through Kafka."""

    def test_the_first_export_is_answered(self, federation: Federation) -> None:
        doc = federation.usask_before_second_export
        assert federation.adapter_runs["sk1"]["published"] == SASKATCHEWAN_1_RECORDS
        assert federation.adapter_runs["sk1"]["rejected"] == []
        assert (doc["receiving_institution"], doc["credit_unit"]) == ("SK:USASK", "credit units")
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["SK:SKTCG-5001", "SK:SKTCG-5003", "SK:SKTCG-5005",
                                   "SK:SKTCG-5006", "SK:SKTCG-5007"]
        _grants_are(awarded["SK:SKTCG-5001"]["grants"], [_course("CMPT 140", 3.0)])
        _grants_are(awarded["SK:SKTCG-5003"]["grants"], [_unassigned("CHEM", 1, 3.0)])
        _grants_are(awarded["SK:SKTCG-5005"]["grants"], [_course("MATH 110", 3.0)])
        assert awarded["SK:SKTCG-5005"]["from"] == ["ON:UOFT:MAT135H1"]
        _grants_are(awarded["SK:SKTCG-5006"]["grants"], [_course("COMM 201", 3.0)])
        assert awarded["SK:SKTCG-5007"]["grants"] == [
            {"kind": "block", "program": "BComm", "credits": 30.0}]
        assert _reasons(doc) == {"SK:SAPO:BADM 10": "no_credit"}
        assert (doc["total_credits"], doc["total_tc"]) == (42.0, 42.0)

    def test_the_second_export_publishes_only_changes(self, federation: Federation) -> None:
        second, again = federation.adapter_runs["sk2"], federation.adapter_runs["sk2-again"]
        # SKTCG-5001 v2 changed; SKTCG-5006 v2 is either published (the hub ignores it) or
        # rejected as stale; SKTCG-5003 and course MATH 151 removed.
        assert second["retired"] == 2
        assert second["published"] >= 1
        assert second["published"] + len(second["rejected"]) == 2
        # The same snapshot again: nothing new (FORMATS.md).
        assert (again["published"], again["retired"]) == (0, 0)
        assert federation.status["dead_lettered"] == 0

    def test_the_higher_version_revocation_and_stale_version(self,
                                                             federation: Federation) -> None:
        doc = federation.transfer("SK:USASK", *USASK_TRANSCRIPT_2)
        awarded = _by_rule(doc)
        assert sorted(awarded) == ["SK:SKTCG-5006"]
        _grants_are(awarded["SK:SKTCG-5006"]["grants"], [_course("COMM 201", 3.0)])
        reasons = _reasons(doc)
        assert reasons.pop("SK:SAPO:MATH 151") in ("unknown_credential", "no_agreement")
        assert reasons == {"SK:SAPO:COSC 100": "below_min_grade",
                           "SK:SAPO:CHEM 100": "no_agreement"}
        assert (doc["total_credits"], doc["total_tc"]) == (3.0, 3.0)

    def test_equivalents_show_the_versions_in_force(self, federation: Federation) -> None:
        cosc = {e["rule"]: e for e in federation.equivalents("SK:SAPO:COSC 100")["equivalents"]}
        assert sorted(cosc) == ["BC:90014", "SK:SKTCG-5001"]
        v2 = cosc["SK:SKTCG-5001"]
        assert (v2["province"], v2["version"], v2["min_grade"]) == ("SK", 2, "B")
        _grants_are(v2["grants"], [_course("CMPT 141", 3.0)])
        assert cosc["BC:90014"]["receiving_institution"] == "BC:UBCV"
        acct = federation.equivalents("SK:SAPO:ACCT 101")["equivalents"]
        assert [(e["rule"], e["version"]) for e in acct] == [("SK:SKTCG-5006", 3)]
        assert federation.equivalents("SK:SAPO:CHEM 100")["equivalents"] == []
