"""The in-memory repository: indexed reads and version-checked writes."""

from __future__ import annotations

from transfer_world import course, credential, institution, rule

from hub.store.memory import InMemoryEquivalencyRepository

A, B = "BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101"


def repo_with(*rules):
    repo = InMemoryEquivalencyRepository()
    for r in rules:
        repo.upsert_rule(r)
    return repo


class TestRuleVersions:
    """Versions order a rule's changes, never arrival; revocation removes it."""

    def test_a_higher_version_replaces_and_a_late_older_one_is_ignored(self):
        repo = repo_with(rule("BC:R1", A, "BC:UBCV", course("ENGL 110", 3), version=1))
        assert repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110", 6), version=3))
        assert not repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110", 1),
                                         version=2))
        [stored] = repo.rules_from([A])
        assert stored.version == 3 and stored.alternatives[0][0].credits == 6

    def test_a_replacement_moves_the_indexes(self):
        repo = repo_with(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=1))
        repo.upsert_rule(rule("BC:R1", B, "BC:SFU", course("ENGL 110"), version=2))
        assert repo.rules_from([A]) == [] and repo.named_by_rules([A, B]) == {B}
        assert [r.id for r in repo.rules_from([B], "BC:SFU")] == ["BC:R1"]
        assert repo.rules_from([B], "BC:UBCV") == []

    def test_revocation_removes_and_keeps_older_versions_out(self):
        repo = repo_with(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=2))
        assert repo.revoke_rule("BC:R1", 2)
        assert repo.rules_from([A]) == [] and repo.named_by_rules([A]) == set()
        assert not repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=2))
        assert not repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=1))
        assert repo.counts()["rules"] == 0
        assert repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=3))
        assert repo.counts()["rules"] == 1

    def test_a_revocation_arriving_first_keeps_the_rule_out(self):
        repo = InMemoryEquivalencyRepository()
        assert repo.revoke_rule("BC:R1", 4)
        assert not repo.upsert_rule(rule("BC:R1", A, "BC:UBCV", course("ENGL 110"), version=3))
        assert repo.rules_from([A]) == []

    def test_the_same_version_twice_is_not_applied_again(self):
        r = rule("BC:R1", A, "BC:UBCV", course("ENGL 110"))
        repo = repo_with(r)
        assert not repo.upsert_rule(r)


class TestRuleReads:
    """Reads return each rule once, filtered by receiving institution or province."""

    def test_each_rule_once_in_id_order(self):
        repo = repo_with(rule("BC:R2", [A, B], "BC:UBCV", course("ENGL 110")),
                         rule("BC:R1", A, "BC:SFU", course("ENGL 101")))
        assert [r.id for r in repo.rules_from([A, B])] == ["BC:R1", "BC:R2"]
        assert [r.id for r in repo.equivalents(A, "BC:SFU")] == ["BC:R1"]
        assert [r.id for r in repo.equivalents(A, "BC")] == ["BC:R1", "BC:R2"]
        assert repo.equivalents(A, "ON") == []


class TestCredentialsAndInstitutions:
    """Credentials retire by version; institutions list by province; stacking is indexed."""

    def test_retirement_hides_from_queries_but_not_from_get_credential(self):
        repo = InMemoryEquivalencyRepository()
        repo.upsert_credential(credential(A, version=1))
        assert repo.retire_credential(A, 2)
        assert repo.get_credentials([A]) == {}
        assert repo.get_credential(A).retired
        assert not repo.upsert_credential(credential(A, version=1))
        assert repo.upsert_credential(credential(A, version=3))
        assert set(repo.get_credentials([A, B])) == {A}

    def test_retirement_before_the_record_keeps_older_versions_out(self):
        repo = InMemoryEquivalencyRepository()
        assert repo.retire_credential(A, 2)
        assert not repo.upsert_credential(credential(A, version=1))
        assert repo.get_credential(A) is None

    def test_stacking_follows_the_latest_record(self):
        repo = InMemoryEquivalencyRepository()
        repo.upsert_credential(credential("ON:HUMB:MC1", 28, [("ON:HUMB:CERT", 28)], version=1))
        assert [c.id for c in repo.stacking_into("ON:HUMB:CERT")] == ["ON:HUMB:MC1"]
        repo.upsert_credential(credential("ON:HUMB:MC1", 28, [("ON:HUMB:DIP", 28)], version=2))
        assert repo.stacking_into("ON:HUMB:CERT") == []
        assert [c.id for c in repo.stacking_into("ON:HUMB:DIP")] == ["ON:HUMB:MC1"]

    def test_institutions_by_version_and_province(self):
        repo = InMemoryEquivalencyRepository()
        repo.upsert_institution(institution("ON:HUMB", "hours", 42, version=2))
        assert not repo.upsert_institution(institution("ON:HUMB", "credits", 3, version=1))
        assert repo.get_institution("ON:HUMB").credit_system.unit == "hours"
        repo.upsert_institution(institution("BC:UBCV"))
        assert [i.id for i in repo.list_institutions()] == ["BC:UBCV", "ON:HUMB"]
        assert [i.id for i in repo.list_institutions("ON")] == ["ON:HUMB"]
        assert repo.counts() == {"institutions": 2, "credentials": 0, "rules": 0}
