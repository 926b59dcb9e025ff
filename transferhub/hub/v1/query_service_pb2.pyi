from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GrantKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANT_KIND_UNSPECIFIED: _ClassVar[GrantKind]
    GRANT_KIND_COURSE: _ClassVar[GrantKind]
    GRANT_KIND_UNASSIGNED: _ClassVar[GrantKind]
    GRANT_KIND_BLOCK: _ClassVar[GrantKind]

class RuleOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_OUTCOME_UNSPECIFIED: _ClassVar[RuleOutcome]
    RULE_OUTCOME_COURSE: _ClassVar[RuleOutcome]
    RULE_OUTCOME_UNASSIGNED: _ClassVar[RuleOutcome]
    RULE_OUTCOME_BLOCK: _ClassVar[RuleOutcome]
    RULE_OUTCOME_NO_CREDIT: _ClassVar[RuleOutcome]
    RULE_OUTCOME_ASSESSMENT: _ClassVar[RuleOutcome]

class Reason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_UNSPECIFIED: _ClassVar[Reason]
    REASON_UNKNOWN_CREDENTIAL: _ClassVar[Reason]
    REASON_NO_CREDIT: _ClassVar[Reason]
    REASON_INDIVIDUAL_ASSESSMENT: _ClassVar[Reason]
    REASON_BELOW_MIN_GRADE: _ClassVar[Reason]
    REASON_OUTSIDE_EFFECTIVE_WINDOW: _ClassVar[Reason]
    REASON_INCOMPLETE_COMBINATION: _ClassVar[Reason]
    REASON_USED_ELSEWHERE: _ClassVar[Reason]
    REASON_NO_AGREEMENT: _ClassVar[Reason]
    REASON_DOES_NOT_STACK: _ClassVar[Reason]
    REASON_ALREADY_COUNTED: _ClassVar[Reason]
GRANT_KIND_UNSPECIFIED: GrantKind
GRANT_KIND_COURSE: GrantKind
GRANT_KIND_UNASSIGNED: GrantKind
GRANT_KIND_BLOCK: GrantKind
RULE_OUTCOME_UNSPECIFIED: RuleOutcome
RULE_OUTCOME_COURSE: RuleOutcome
RULE_OUTCOME_UNASSIGNED: RuleOutcome
RULE_OUTCOME_BLOCK: RuleOutcome
RULE_OUTCOME_NO_CREDIT: RuleOutcome
RULE_OUTCOME_ASSESSMENT: RuleOutcome
REASON_UNSPECIFIED: Reason
REASON_UNKNOWN_CREDENTIAL: Reason
REASON_NO_CREDIT: Reason
REASON_INDIVIDUAL_ASSESSMENT: Reason
REASON_BELOW_MIN_GRADE: Reason
REASON_OUTSIDE_EFFECTIVE_WINDOW: Reason
REASON_INCOMPLETE_COMBINATION: Reason
REASON_USED_ELSEWHERE: Reason
REASON_NO_AGREEMENT: Reason
REASON_DOES_NOT_STACK: Reason
REASON_ALREADY_COUNTED: Reason

class CompletedCredential(_message.Message):
    __slots__ = ("credential", "grade", "completed_on")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    credential: str
    grade: str
    completed_on: str
    def __init__(self, credential: _Optional[str] = ..., grade: _Optional[str] = ..., completed_on: _Optional[str] = ...) -> None: ...

class Grant(_message.Message):
    __slots__ = ("kind", "code", "subject", "level", "credits", "program", "designation")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    kind: GrantKind
    code: str
    subject: str
    level: int
    credits: float
    program: str
    designation: str
    def __init__(self, kind: _Optional[_Union[GrantKind, str]] = ..., code: _Optional[str] = ..., subject: _Optional[str] = ..., level: _Optional[int] = ..., credits: _Optional[float] = ..., program: _Optional[str] = ..., designation: _Optional[str] = ...) -> None: ...

class GrantSet(_message.Message):
    __slots__ = ("grants",)
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class AwardedRule(_message.Message):
    __slots__ = ("rule", "grants", "alternatives", "credits", "tc", "notation", "notes", "unknown_credits")
    RULE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    TC_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_CREDITS_FIELD_NUMBER: _ClassVar[int]
    rule: str
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    alternatives: _containers.RepeatedCompositeFieldContainer[GrantSet]
    credits: float
    tc: float
    notation: str
    notes: str
    unknown_credits: bool
    def __init__(self, rule: _Optional[str] = ..., grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ..., alternatives: _Optional[_Iterable[_Union[GrantSet, _Mapping]]] = ..., credits: _Optional[float] = ..., tc: _Optional[float] = ..., notation: _Optional[str] = ..., notes: _Optional[str] = ..., unknown_credits: _Optional[bool] = ..., **kwargs) -> None: ...

class NotTransferred(_message.Message):
    __slots__ = ("credential", "reason", "detail")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    credential: str
    reason: Reason
    detail: str
    def __init__(self, credential: _Optional[str] = ..., reason: _Optional[_Union[Reason, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("grants", "basis", "chain", "notes", "alternatives", "via", "credits", "tc", "unknown_credits")
    FROM_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    VIA_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    TC_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_CREDITS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    basis: str
    chain: _containers.RepeatedScalarFieldContainer[str]
    notes: str
    alternatives: _containers.RepeatedCompositeFieldContainer[GrantSet]
    via: _containers.RepeatedScalarFieldContainer[str]
    credits: float
    tc: float
    unknown_credits: bool
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ..., basis: _Optional[str] = ..., chain: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ..., alternatives: _Optional[_Iterable[_Union[GrantSet, _Mapping]]] = ..., via: _Optional[_Iterable[str]] = ..., credits: _Optional[float] = ..., tc: _Optional[float] = ..., unknown_credits: _Optional[bool] = ..., **kwargs) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("receiving_institution", "completed")
    RECEIVING_INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    receiving_institution: str
    completed: _containers.RepeatedCompositeFieldContainer[CompletedCredential]
    def __init__(self, receiving_institution: _Optional[str] = ..., completed: _Optional[_Iterable[_Union[CompletedCredential, _Mapping]]] = ...) -> None: ...

class TransferResponse(_message.Message):
    __slots__ = ("receiving_institution", "credit_unit", "awarded", "not_transferred", "suggested", "total_credits", "total_tc")
    RECEIVING_INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    CREDIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    AWARDED_FIELD_NUMBER: _ClassVar[int]
    NOT_TRANSFERRED_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CREDITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TC_FIELD_NUMBER: _ClassVar[int]
    receiving_institution: str
    credit_unit: str
    awarded: _containers.RepeatedCompositeFieldContainer[AwardedRule]
    not_transferred: _containers.RepeatedCompositeFieldContainer[NotTransferred]
    suggested: _containers.RepeatedCompositeFieldContainer[Suggestion]
    total_credits: float
    total_tc: float
    def __init__(self, receiving_institution: _Optional[str] = ..., credit_unit: _Optional[str] = ..., awarded: _Optional[_Iterable[_Union[AwardedRule, _Mapping]]] = ..., not_transferred: _Optional[_Iterable[_Union[NotTransferred, _Mapping]]] = ..., suggested: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., total_credits: _Optional[float] = ..., total_tc: _Optional[float] = ...) -> None: ...

class StackRequest(_message.Message):
    __slots__ = ("target", "completed")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    target: str
    completed: _containers.RepeatedCompositeFieldContainer[CompletedCredential]
    def __init__(self, target: _Optional[str] = ..., completed: _Optional[_Iterable[_Union[CompletedCredential, _Mapping]]] = ...) -> None: ...

class CountedCredential(_message.Message):
    __slots__ = ("credential", "value", "via_rule", "counts_as")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VIA_RULE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_AS_FIELD_NUMBER: _ClassVar[int]
    credential: str
    value: float
    via_rule: str
    counts_as: str
    def __init__(self, credential: _Optional[str] = ..., value: _Optional[float] = ..., via_rule: _Optional[str] = ..., counts_as: _Optional[str] = ...) -> None: ...

class NotCountedCredential(_message.Message):
    __slots__ = ("credential", "reason", "detail")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    credential: str
    reason: Reason
    detail: str
    def __init__(self, credential: _Optional[str] = ..., reason: _Optional[_Union[Reason, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class StackResponse(_message.Message):
    __slots__ = ("target", "unit", "required", "earned", "remaining", "counted", "not_counted", "required_unknown")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    COUNTED_FIELD_NUMBER: _ClassVar[int]
    NOT_COUNTED_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    target: str
    unit: str
    required: float
    earned: float
    remaining: float
    counted: _containers.RepeatedCompositeFieldContainer[CountedCredential]
    not_counted: _containers.RepeatedCompositeFieldContainer[NotCountedCredential]
    required_unknown: bool
    def __init__(self, target: _Optional[str] = ..., unit: _Optional[str] = ..., required: _Optional[float] = ..., earned: _Optional[float] = ..., remaining: _Optional[float] = ..., counted: _Optional[_Iterable[_Union[CountedCredential, _Mapping]]] = ..., not_counted: _Optional[_Iterable[_Union[NotCountedCredential, _Mapping]]] = ..., required_unknown: _Optional[bool] = ...) -> None: ...

class Equivalent(_message.Message):
    __slots__ = ("rule", "province", "version", "any_n", "receiving_institution", "outcome", "grants", "alternatives", "min_grade", "effective_start", "effective_end", "notes", "notation")
    RULE_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    ANY_N_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    MIN_GRADE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_START_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_END_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    rule: str
    province: str
    version: int
    any_n: int
    receiving_institution: str
    outcome: RuleOutcome
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    alternatives: _containers.RepeatedCompositeFieldContainer[GrantSet]
    min_grade: str
    effective_start: str
    effective_end: str
    notes: str
    notation: str
    def __init__(self, rule: _Optional[str] = ..., province: _Optional[str] = ..., version: _Optional[int] = ..., any_n: _Optional[int] = ..., receiving_institution: _Optional[str] = ..., outcome: _Optional[_Union[RuleOutcome, str]] = ..., grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ..., alternatives: _Optional[_Iterable[_Union[GrantSet, _Mapping]]] = ..., min_grade: _Optional[str] = ..., effective_start: _Optional[str] = ..., effective_end: _Optional[str] = ..., notes: _Optional[str] = ..., notation: _Optional[str] = ..., **kwargs) -> None: ...

class ListEquivalentsRequest(_message.Message):
    __slots__ = ("credential", "to")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    credential: str
    to: str
    def __init__(self, credential: _Optional[str] = ..., to: _Optional[str] = ...) -> None: ...

class ListEquivalentsResponse(_message.Message):
    __slots__ = ("credential", "equivalents")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    EQUIVALENTS_FIELD_NUMBER: _ClassVar[int]
    credential: str
    equivalents: _containers.RepeatedCompositeFieldContainer[Equivalent]
    def __init__(self, credential: _Optional[str] = ..., equivalents: _Optional[_Iterable[_Union[Equivalent, _Mapping]]] = ...) -> None: ...

class StackTarget(_message.Message):
    __slots__ = ("target", "value")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    target: str
    value: float
    def __init__(self, target: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class GetCredentialRequest(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: str
    def __init__(self, credential: _Optional[str] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("id", "kind", "title", "value", "subject", "level", "stacks_into", "competencies", "version", "retired")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STACKS_INTO_FIELD_NUMBER: _ClassVar[int]
    COMPETENCIES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    title: str
    value: float
    subject: str
    level: int
    stacks_into: _containers.RepeatedCompositeFieldContainer[StackTarget]
    competencies: _containers.RepeatedScalarFieldContainer[str]
    version: int
    retired: bool
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., value: _Optional[float] = ..., subject: _Optional[str] = ..., level: _Optional[int] = ..., stacks_into: _Optional[_Iterable[_Union[StackTarget, _Mapping]]] = ..., competencies: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ..., retired: _Optional[bool] = ...) -> None: ...

class Institution(_message.Message):
    __slots__ = ("id", "name", "credit_unit", "standard_course", "sector")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    STANDARD_COURSE_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    credit_unit: str
    standard_course: float
    sector: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., credit_unit: _Optional[str] = ..., standard_course: _Optional[float] = ..., sector: _Optional[str] = ...) -> None: ...

class ListInstitutionsRequest(_message.Message):
    __slots__ = ("province",)
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    province: str
    def __init__(self, province: _Optional[str] = ...) -> None: ...

class ListInstitutionsResponse(_message.Message):
    __slots__ = ("institutions",)
    INSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    institutions: _containers.RepeatedCompositeFieldContainer[Institution]
    def __init__(self, institutions: _Optional[_Iterable[_Union[Institution, _Mapping]]] = ...) -> None: ...
