from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TurnCode(_message.Message):
    __slots__ = ("code", "subcode", "confidence", "coder_version")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SUBCODE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CODER_VERSION_FIELD_NUMBER: _ClassVar[int]
    code: str
    subcode: str
    confidence: float
    coder_version: str
    def __init__(self, code: _Optional[str] = ..., subcode: _Optional[str] = ..., confidence: _Optional[float] = ..., coder_version: _Optional[str] = ...) -> None: ...

class ClientState(_message.Message):
    __slots__ = ("trust", "distress", "resistance", "stage_of_change", "disclosed_facts", "recent", "momentum")
    TRUST_FIELD_NUMBER: _ClassVar[int]
    DISTRESS_FIELD_NUMBER: _ClassVar[int]
    RESISTANCE_FIELD_NUMBER: _ClassVar[int]
    STAGE_OF_CHANGE_FIELD_NUMBER: _ClassVar[int]
    DISCLOSED_FACTS_FIELD_NUMBER: _ClassVar[int]
    RECENT_FIELD_NUMBER: _ClassVar[int]
    MOMENTUM_FIELD_NUMBER: _ClassVar[int]
    trust: float
    distress: float
    resistance: float
    stage_of_change: str
    disclosed_facts: _containers.RepeatedScalarFieldContainer[str]
    recent: _containers.RepeatedScalarFieldContainer[str]
    momentum: float
    def __init__(self, trust: _Optional[float] = ..., distress: _Optional[float] = ..., resistance: _Optional[float] = ..., stage_of_change: _Optional[str] = ..., disclosed_facts: _Optional[_Iterable[str]] = ..., recent: _Optional[_Iterable[str]] = ..., momentum: _Optional[float] = ...) -> None: ...
