"""Synthetic exports of any size in each province's format, for benchmarks and tests.

``python -m adapters.generate --province bc --rules 1000000 --institutions 300 --out DIR``

Sizes: a Saskatchewan rule takes about 300 bytes, so ``--province sk --rules
650000`` writes a feed of about 200 MB; a BC row about 85 bytes (1M rows ≈ 85 MB).

Everything is written as it is generated (constant memory), from one seeded
random generator: the same arguments give the same bytes. The exports are
valid (every record reads) and use the formats' common forms: specific,
unassigned, block and no-credit grants, minimum grades, closed and open
windows, and a few rules sending from another province's sample credentials.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import quoteattr

SUBJECTS = ("ENGL", "MATH", "CPSC", "PSYC", "BIOL", "CHEM", "ECON", "HIST", "PHIL", "GEOG",
            "SOCI", "BUSN")
MAX_COURSES_PER_INSTITUTION = 480
FOREIGN = {"BC": ("ON:SENE", "IPC144"), "ON": ("SK:SAPO", "COSC 100"),
           "SK": ("BC:CAPU", "ENGL 100")}
FILES = {"ON": "ontario.jsonl", "SK": "saskatchewan.xml", "BC": "."}
_ALIASES = {"ONTARIO": "ON", "SASKATCHEWAN": "SK", "BRITISHCOLUMBIA": "BC"}


@dataclass(frozen=True, slots=True)
class _Rule:
    """One generated rule, in neutral terms each format writes its own way."""

    number: int
    version: int
    sender: str          # INST, or PROV:INST for another province's
    codes: tuple[str, ...]
    receiver: int
    grant: str           # course / unassigned / block / no_credit
    subject: str
    level: int
    code: str
    credits: float
    min_grade: str | None
    start_year: int
    end_year: int | None


def institution_code(index: int) -> str:
    """The generated institution code for ``index`` (``G0001``)."""
    return f"G{index:04d}" if index < 10_000 else f"G{index}"


def course_code(index: int) -> str:
    """The ``index``-th generated course code of an institution (``ENGL 100``)."""
    subject = SUBJECTS[index % len(SUBJECTS)]
    rest = index // len(SUBJECTS)
    return f"{subject} {100 * (1 + rest % 4) + rest // 4}"


def _courses(rules: int, institutions: int) -> int:
    return max(4, min(MAX_COURSES_PER_INSTITUTION, rules // max(institutions, 1) + 1))


def _rules(rng: random.Random, province: str, rules: int, institutions: int) -> Iterator[_Rule]:
    per = _courses(rules, institutions)
    for n in range(rules):
        sender_i = rng.randrange(institutions)
        receiver = rng.randrange(institutions - 1)
        receiver += receiver >= sender_i
        if rng.random() < 0.01:
            sender, codes = FOREIGN[province][0], (FOREIGN[province][1],)
        else:
            sender = institution_code(sender_i)
            first = rng.randrange(per)
            codes = (course_code(first),)
            if rng.random() < 0.08 and per > 1:
                codes += (course_code((first + 1) % per),)
        pick = rng.random()
        grant = ("course" if pick < 0.45 else "unassigned" if pick < 0.88
                 else "block" if pick < 0.9 else "no_credit")
        start = rng.randrange(2000, 2025)
        yield _Rule(
            number=n, version=rng.choice((1, 1, 1, 2, 3)), sender=sender, codes=codes,
            receiver=receiver, grant=grant, subject=rng.choice(SUBJECTS), level=rng.randrange(1, 5),
            code=course_code(rng.randrange(per)), credits=3.0 * len(codes),
            min_grade=rng.choice((None, None, None, "60", "C", "C+", "65")), start_year=start,
            end_year=start + rng.randrange(1, 6) if rng.random() < 0.15 else None,
        )


def write_ontario(out: TextIO, rng: random.Random, rules: int, institutions: int) -> None:
    """An Ontario JSON Lines export: even institutions colleges (hours), odd universities."""
    def unit(i: int) -> tuple[str, float]:
        return ("hours", 42.0) if i % 2 == 0 else ("credit weight", 0.5)

    for i in range(institutions):
        name, std = unit(i)
        out.write(json.dumps({"type": "institution", "id": institution_code(i),
                              "name": f"Generated Institution {i}", "credit_unit": name,
                              "standard_course": std}) + "\n")
    for i in range(institutions):
        for j in range(_courses(rules, institutions)):
            out.write(json.dumps({"type": "credential", "kind": "course",
                                  "institution": institution_code(i), "code": course_code(j),
                                  "title": f"Course {j}", "value": unit(i)[1]}) + "\n")
    for r in _rules(rng, "ON", rules, institutions):
        value = unit(r.receiver)[1] * len(r.codes)
        to: dict[str, object] = {"institution": institution_code(r.receiver), "grant": r.grant}
        if r.grant == "course":
            to["courses"] = [{"code": r.code, "value": value}]
        elif r.grant == "unassigned":
            to.update(subject=r.subject, level=r.level, value=value)
        elif r.grant == "block":
            to.update(program="General Studies", value=value * 10)
        out.write(json.dumps({
            "type": "equivalency", "id": f"GEN-{r.number:07d}", "version": r.version,
            "from": [f"{r.sender}:{c}" for c in r.codes], "to": to, "min_grade": r.min_grade,
            "effective_start": f"{r.start_year}-09-01",
            "effective_end": f"{r.end_year}-08-31" if r.end_year else None}) + "\n")


def _bc_credit(r: _Rule, receiver: str, std: float) -> str:
    value = f"{std * len(r.codes):g}"
    if r.grant == "course":
        return f"{receiver} {r.code} ({value})"
    if r.grant == "unassigned":
        return f"{receiver} {r.subject} {('1st', '2nd', '3rd', '4th')[r.level - 1]} ({value})"
    return "No credit"  # the Guide has no block form; its rows say no credit instead


def write_bc(folder: Path, rng: random.Random, rules: int, institutions: int) -> None:
    """A BC Transfer Guide folder: ``institutions.csv`` and ``equivalencies.csv``."""
    def std(i: int) -> float:
        return 1.5 if i % 7 == 3 else 3.0

    with open(folder / "institutions.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "credit_unit", "standard_course", "grading"])
        for i in range(institutions):
            writer.writerow([institution_code(i), f"Generated Institution {i}",
                             "units" if std(i) == 1.5 else "credits", f"{std(i):g}", ""])
    with open(folder / "equivalencies.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "version", "sending_institution", "sending_courses", "sending_title",
                         "sending_credits", "receiving_institution", "transfer_credit",
                         "min_grade", "effective_start", "effective_end"])
        for r in _rules(rng, "BC", rules, institutions):
            receiver = institution_code(r.receiver)
            writer.writerow([
                100_000 + r.number, r.version, r.sender, " & ".join(r.codes),
                "Generated course", f"{3 * len(r.codes)}", receiver,
                _bc_credit(r, receiver, std(r.receiver)), r.min_grade or "",
                f"Sep/{r.start_year % 100:02d}",
                f"Aug/{r.end_year % 100:02d}" if r.end_year else "present"])


def write_saskatchewan(out: TextIO, rng: random.Random, rules: int, institutions: int) -> None:
    """A Saskatchewan XML feed."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<TransferCreditGuide province="SK" generated="2026-11-01T06:00:00Z">\n')
    for i in range(institutions):
        out.write(f'  <Institution id="{institution_code(i)}" name="Generated Institution {i}" '
                  'creditUnit="credits" standardCourse="3"/>\n')
    for i in range(institutions):
        for j in range(_courses(rules, institutions)):
            code = course_code(j)
            out.write(f'  <Course institution="{institution_code(i)}" code="{code}" '
                      f'title="Course {j}" credits="3" subject="{code.split()[0]}"/>\n')
    grants = {"no_credit": "none"}
    for r in _rules(rng, "SK", rules, institutions):
        receiver, grant = institution_code(r.receiver), grants.get(r.grant, r.grant)
        credits = f"{r.credits:g}"
        head = f'<Receiving institution="{receiver}" grant="{grant}"'
        receiving = {
            "course": f'{head}><Course code="{r.code}" credits="{credits}"/></Receiving>',
            "unassigned": f'{head} subject="{r.subject}" level="{r.level}" credits="{credits}"/>',
            "block": f'{head} program="General Studies" credits="{r.credits * 10:g}"/>',
            "none": f"{head}/>",
        }[grant]
        condition = (f'\n    <Condition minimumGrade={quoteattr(r.min_grade)}/>'
                     if r.min_grade else "")
        end = f"{r.end_year}-08-31" if r.end_year else ""
        courses = "".join(f'<Course code="{c}"/>' for c in r.codes)
        out.write(f'  <Equivalency id="SKGEN-{r.number}" version="{r.version}" '
                  f'effectiveFrom="{r.start_year}-09-01" effectiveTo="{end}">\n'
                  f'    <Sending institution="{r.sender}">{courses}</Sending>\n'
                  f"    {receiving}{condition}\n  </Equivalency>\n")
    out.write("</TransferCreditGuide>\n")


def generate(province: str, out: Path, *, rules: int, institutions: int, seed: int = 0) -> Path:
    """Write a ``province`` export (``ON``/``BC``/``SK``) into folder ``out``; return its path.

    The path is the file (Ontario, Saskatchewan) or the folder (BC) that the
    province's reader takes.
    """
    key = _ALIASES.get(province.upper().replace(" ", ""), province.upper())
    if key not in FILES:
        raise ValueError(f"province {province!r}: expected on, bc or sk")
    if institutions < 2 or rules < 0:
        raise ValueError("need at least 2 institutions and a non-negative number of rules")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    target = out / FILES[key]
    if key == "BC":
        write_bc(out, rng, rules, institutions)
        return out
    with open(target, "w", encoding="utf-8", buffering=1 << 20) as fh:
        (write_ontario if key == "ON" else write_saskatchewan)(fh, rng, rules, institutions)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: write one export and print where it is."""
    parser = argparse.ArgumentParser(prog="python -m adapters.generate", description=__doc__)
    parser.add_argument("--province", required=True, help="on, bc or sk")
    parser.add_argument("--rules", type=int, default=1000, help="equivalency rules to write")
    parser.add_argument("--institutions", type=int, default=20, help="institutions (at least 2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = parser.parse_args(argv)
    try:
        path = generate(args.province, args.out, rules=args.rules,
                        institutions=args.institutions, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
