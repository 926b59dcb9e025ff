"""A small federation written straight into a store, for end-to-end tests of the hub's API.

It has MODEL.md's examples: a plain unassigned rule with its notation, a rule
with alternatives, a designation and notes, the IPC144 → CSCI 110 → CPSC 1st
chain (a suggestion), a course no rule covers, and a micro-credential
certificate to stack toward.
"""

from __future__ import annotations

from datetime import date

from hub.domain.model import (
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
)
from hub.store.ports import Store

HOURS = CreditSystem("hours", 42.0)

INSTITUTIONS = (
    Institution("BC:UBCV", "University of British Columbia - Vancouver", sector="university"),
    Institution("BC:CAPU", "Capilano University", sector="university"),
    Institution("ON:SENE", "Seneca Polytechnic", HOURS, sector="college"),
    Institution("ON:HUMB", "Humber Polytechnic", HOURS, sector="college"),
)

CREDENTIALS = (
    Credential("BC:CAPU:ENGL 100", title="Composition", value=3.0, subject="ENGL", level=1),
    Credential("BC:CAPU:SOCI 100", title="Intro Sociology", value=3.0, subject="SOCI", level=1),
    Credential("BC:CAPU:BADM 101", title="Business", value=3.0, subject="BADM", level=1),
    Credential("BC:CAPU:CSCI 110", title="Programming", value=3.0, subject="CSCI", level=1),
    Credential("ON:SENE:IPC144", title="Programming in C", value=42.0, subject="IPC", level=1),
    Credential("ON:HUMB:CERT-DA", CredentialKind.CERTIFICATE, "Data Analytics", value=112.0),
    Credential("ON:HUMB:MC-DA-01", CredentialKind.MICRO_CREDENTIAL, "Data I", value=28.0,
               stacks_into=(StackLink("ON:HUMB:CERT-DA", 28.0),)),
    Credential("ON:HUMB:MC-DA-02", CredentialKind.MICRO_CREDENTIAL, "Data II", value=28.0,
               stacks_into=(StackLink("ON:HUMB:CERT-DA", 28.0),)),
)

RULES = (
    Rule("BC:88213", 2, ("BC:CAPU:ENGL 100",), "BC:UBCV", GrantKind.UNASSIGNED,
         ((Grant(GrantKind.UNASSIGNED, 3.0, subject="ENGL", level=1),),),
         min_grade="C", effective_start=date(2010, 9, 1), notation="UBCV ENGL 1st (3)"),
    Rule("BC:77001", 1, ("BC:CAPU:SOCI 100",), "BC:UBCV", GrantKind.COURSE,
         ((Grant(GrantKind.COURSE, 3.0, code="SOCI 1240", subject="SOCI", level=1,
                 designation="Q/B-Sci"),),
          (Grant(GrantKind.UNASSIGNED, 3.0, subject="SOCI", level=2),)),
         notes="Precludes credit for SOCI 1250.", notation="UBCV SOCI 1240 (3) or SOCI 2nd (3)"),
    Rule("BC:88216", 1, ("ON:SENE:IPC144",), "BC:CAPU", GrantKind.COURSE,
         ((Grant(GrantKind.COURSE, 3.0, code="CSCI 110", subject="CSCI", level=1),),),
         effective_start=date(2015, 1, 1), effective_end=date(2030, 12, 31)),
    Rule("BC:88220", 1, ("BC:CAPU:CSCI 110",), "BC:UBCV", GrantKind.UNASSIGNED,
         ((Grant(GrantKind.UNASSIGNED, 3.0, subject="CPSC", level=1),),)),
)


def seed(store: Store) -> None:
    """Write the federation above in one unit of work."""
    with store.unit_of_work() as uow:
        for institution in INSTITUTIONS:
            uow.equivalencies.upsert_institution(institution)
        for credential in CREDENTIALS:
            uow.equivalencies.upsert_credential(credential)
        for rule in RULES:
            uow.equivalencies.upsert_rule(rule)
        uow.commit()
