from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ProvinceStatus(_message.Message):
    __slots__ = ("events_applied", "events_duplicate", "events_stale", "dead_lettered", "last_event_at", "lag")
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_STALE_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_AT_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    events_applied: int
    events_duplicate: int
    events_stale: int
    dead_lettered: int
    last_event_at: str
    lag: int
    def __init__(self, events_applied: _Optional[int] = ..., events_duplicate: _Optional[int] = ..., events_stale: _Optional[int] = ..., dead_lettered: _Optional[int] = ..., last_event_at: _Optional[str] = ..., lag: _Optional[int] = ...) -> None: ...

class Status(_message.Message):
    __slots__ = ("events_applied", "events_duplicate", "dead_lettered", "lag", "by_province", "institutions", "credentials", "rules", "lag_known")
    class ByProvinceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ProvinceStatus
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ProvinceStatus, _Mapping]] = ...) -> None: ...
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    BY_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    INSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    LAG_KNOWN_FIELD_NUMBER: _ClassVar[int]
    events_applied: int
    events_duplicate: int
    dead_lettered: int
    lag: int
    by_province: _containers.MessageMap[str, ProvinceStatus]
    institutions: int
    credentials: int
    rules: int
    lag_known: bool
    def __init__(self, events_applied: _Optional[int] = ..., events_duplicate: _Optional[int] = ..., dead_lettered: _Optional[int] = ..., lag: _Optional[int] = ..., by_province: _Optional[_Mapping[str, ProvinceStatus]] = ..., institutions: _Optional[int] = ..., credentials: _Optional[int] = ..., rules: _Optional[int] = ..., lag_known: _Optional[bool] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("province",)
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    province: str
    def __init__(self, province: _Optional[str] = ...) -> None: ...

class AppliedEvent(_message.Message):
    __slots__ = ("event_id", "province", "entity_key", "version", "outcome", "applied_at", "change", "missed")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    province: str
    entity_key: str
    version: int
    outcome: str
    applied_at: str
    change: str
    missed: int
    def __init__(self, event_id: _Optional[str] = ..., province: _Optional[str] = ..., entity_key: _Optional[str] = ..., version: _Optional[int] = ..., outcome: _Optional[str] = ..., applied_at: _Optional[str] = ..., change: _Optional[str] = ..., missed: _Optional[int] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("limit", "include_replayed", "after_id")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REPLAYED_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    limit: int
    include_replayed: bool
    after_id: int
    def __init__(self, limit: _Optional[int] = ..., include_replayed: _Optional[bool] = ..., after_id: _Optional[int] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "topic", "partition", "offset", "reason", "province", "event_id", "recorded_at", "replayed")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    province: str
    event_id: str
    recorded_at: str
    replayed: bool
    def __init__(self, id: _Optional[int] = ..., topic: _Optional[str] = ..., partition: _Optional[int] = ..., offset: _Optional[int] = ..., reason: _Optional[str] = ..., province: _Optional[str] = ..., event_id: _Optional[str] = ..., recorded_at: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "more")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    more: bool
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ..., more: _Optional[bool] = ...) -> None: ...

class ReplayDeadLettersRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ReplayDeadLettersResponse(_message.Message):
    __slots__ = ("applied", "failed", "failures", "being_replayed")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    BEING_REPLAYED_FIELD_NUMBER: _ClassVar[int]
    applied: int
    failed: int
    failures: _containers.RepeatedCompositeFieldContainer[ReplayFailure]
    being_replayed: int
    def __init__(self, applied: _Optional[int] = ..., failed: _Optional[int] = ..., failures: _Optional[_Iterable[_Union[ReplayFailure, _Mapping]]] = ..., being_replayed: _Optional[int] = ...) -> None: ...

class ReplayFailure(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: int
    reason: str
    def __init__(self, id: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...
