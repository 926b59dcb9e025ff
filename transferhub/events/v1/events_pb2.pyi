from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventEnvelope(_message.Message):
    __slots__ = ("event_id", "province", "entity_key", "version", "occurred_at", "source", "export_generated_at", "institution_upserted", "credential_upserted", "credential_retired", "rule_upserted", "rule_revoked")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXPORT_GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_RETIRED_FIELD_NUMBER: _ClassVar[int]
    RULE_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    RULE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    province: str
    entity_key: str
    version: int
    occurred_at: str
    source: str
    export_generated_at: str
    institution_upserted: InstitutionUpserted
    credential_upserted: CredentialUpserted
    credential_retired: CredentialRetired
    rule_upserted: RuleUpserted
    rule_revoked: RuleRevoked
    def __init__(self, event_id: _Optional[str] = ..., province: _Optional[str] = ..., entity_key: _Optional[str] = ..., version: _Optional[int] = ..., occurred_at: _Optional[str] = ..., source: _Optional[str] = ..., export_generated_at: _Optional[str] = ..., institution_upserted: _Optional[_Union[InstitutionUpserted, _Mapping]] = ..., credential_upserted: _Optional[_Union[CredentialUpserted, _Mapping]] = ..., credential_retired: _Optional[_Union[CredentialRetired, _Mapping]] = ..., rule_upserted: _Optional[_Union[RuleUpserted, _Mapping]] = ..., rule_revoked: _Optional[_Union[RuleRevoked, _Mapping]] = ...) -> None: ...

class GradeThreshold(_message.Message):
    __slots__ = ("letter", "min_percent")
    LETTER_FIELD_NUMBER: _ClassVar[int]
    MIN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    letter: str
    min_percent: float
    def __init__(self, letter: _Optional[str] = ..., min_percent: _Optional[float] = ...) -> None: ...

class InstitutionUpserted(_message.Message):
    __slots__ = ("institution_id", "name", "credit_unit", "standard_course", "grading", "sector")
    INSTITUTION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    STANDARD_COURSE_FIELD_NUMBER: _ClassVar[int]
    GRADING_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    institution_id: str
    name: str
    credit_unit: str
    standard_course: float
    grading: _containers.RepeatedCompositeFieldContainer[GradeThreshold]
    sector: str
    def __init__(self, institution_id: _Optional[str] = ..., name: _Optional[str] = ..., credit_unit: _Optional[str] = ..., standard_course: _Optional[float] = ..., grading: _Optional[_Iterable[_Union[GradeThreshold, _Mapping]]] = ..., sector: _Optional[str] = ...) -> None: ...

class StackLink(_message.Message):
    __slots__ = ("target", "value")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    target: str
    value: float
    def __init__(self, target: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class CredentialUpserted(_message.Message):
    __slots__ = ("credential_id", "kind", "title", "value", "subject", "level", "stacks_into", "competencies", "valid_from", "valid_to")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STACKS_INTO_FIELD_NUMBER: _ClassVar[int]
    COMPETENCIES_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    kind: str
    title: str
    value: float
    subject: str
    level: int
    stacks_into: _containers.RepeatedCompositeFieldContainer[StackLink]
    competencies: _containers.RepeatedScalarFieldContainer[str]
    valid_from: str
    valid_to: str
    def __init__(self, credential_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., value: _Optional[float] = ..., subject: _Optional[str] = ..., level: _Optional[int] = ..., stacks_into: _Optional[_Iterable[_Union[StackLink, _Mapping]]] = ..., competencies: _Optional[_Iterable[str]] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ...) -> None: ...

class CredentialRetired(_message.Message):
    __slots__ = ("credential_id",)
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    def __init__(self, credential_id: _Optional[str] = ...) -> None: ...

class Grant(_message.Message):
    __slots__ = ("kind", "code", "subject", "level", "credits", "program", "designation")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    code: str
    subject: str
    level: int
    credits: float
    program: str
    designation: str
    def __init__(self, kind: _Optional[str] = ..., code: _Optional[str] = ..., subject: _Optional[str] = ..., level: _Optional[int] = ..., credits: _Optional[float] = ..., program: _Optional[str] = ..., designation: _Optional[str] = ...) -> None: ...

class GrantSet(_message.Message):
    __slots__ = ("grants",)
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class RuleUpserted(_message.Message):
    __slots__ = ("rule_id", "sending", "any_n", "receiving_institution", "outcome", "alternatives", "min_grade", "effective_start", "effective_end", "notes", "notation")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SENDING_FIELD_NUMBER: _ClassVar[int]
    ANY_N_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    MIN_GRADE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_START_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_END_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    sending: _containers.RepeatedScalarFieldContainer[str]
    any_n: int
    receiving_institution: str
    outcome: str
    alternatives: _containers.RepeatedCompositeFieldContainer[GrantSet]
    min_grade: str
    effective_start: str
    effective_end: str
    notes: str
    notation: str
    def __init__(self, rule_id: _Optional[str] = ..., sending: _Optional[_Iterable[str]] = ..., any_n: _Optional[int] = ..., receiving_institution: _Optional[str] = ..., outcome: _Optional[str] = ..., alternatives: _Optional[_Iterable[_Union[GrantSet, _Mapping]]] = ..., min_grade: _Optional[str] = ..., effective_start: _Optional[str] = ..., effective_end: _Optional[str] = ..., notes: _Optional[str] = ..., notation: _Optional[str] = ...) -> None: ...

class RuleRevoked(_message.Message):
    __slots__ = ("rule_id", "reason")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    reason: str
    def __init__(self, rule_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
