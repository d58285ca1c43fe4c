from practicum_protos.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetScenarioRequest(_message.Message):
    __slots__ = ("scenario_id", "version")
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    scenario_id: str
    version: int
    def __init__(self, scenario_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ListScenariosRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("scenario_id", "version", "title", "summary", "difficulty", "category", "has_suicide_risk", "behaviour_change_goal", "learning_objectives", "content_warnings", "status", "risk_items", "content_hash")
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    HAS_SUICIDE_RISK_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOUR_CHANGE_GOAL_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RISK_ITEMS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    scenario_id: str
    version: int
    title: str
    summary: str
    difficulty: str
    category: str
    has_suicide_risk: bool
    behaviour_change_goal: bool
    learning_objectives: _containers.RepeatedScalarFieldContainer[str]
    content_warnings: _containers.RepeatedScalarFieldContainer[str]
    status: str
    risk_items: _containers.RepeatedCompositeFieldContainer[RiskItem]
    content_hash: str
    def __init__(self, scenario_id: _Optional[str] = ..., version: _Optional[int] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., difficulty: _Optional[str] = ..., category: _Optional[str] = ..., has_suicide_risk: _Optional[bool] = ..., behaviour_change_goal: _Optional[bool] = ..., learning_objectives: _Optional[_Iterable[str]] = ..., content_warnings: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., risk_items: _Optional[_Iterable[_Union[RiskItem, _Mapping]]] = ..., content_hash: _Optional[str] = ...) -> None: ...

class RiskItem(_message.Message):
    __slots__ = ("kind", "label", "fact_ids", "item_id", "absent")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FACT_IDS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ABSENT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    label: str
    fact_ids: _containers.RepeatedScalarFieldContainer[str]
    item_id: str
    absent: bool
    def __init__(self, kind: _Optional[str] = ..., label: _Optional[str] = ..., fact_ids: _Optional[_Iterable[str]] = ..., item_id: _Optional[str] = ..., absent: _Optional[bool] = ...) -> None: ...

class ListScenariosResponse(_message.Message):
    __slots__ = ("scenarios",)
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    scenarios: _containers.RepeatedCompositeFieldContainer[Scenario]
    def __init__(self, scenarios: _Optional[_Iterable[_Union[Scenario, _Mapping]]] = ...) -> None: ...

class StartConversationRequest(_message.Message):
    __slots__ = ("session_id", "organisation_id", "scenario_id", "scenario_version")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_VERSION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    organisation_id: str
    scenario_id: str
    scenario_version: int
    def __init__(self, session_id: _Optional[str] = ..., organisation_id: _Optional[str] = ..., scenario_id: _Optional[str] = ..., scenario_version: _Optional[int] = ...) -> None: ...

class StartConversationResponse(_message.Message):
    __slots__ = ("scenario", "opening_line", "state")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    OPENING_LINE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    scenario: Scenario
    opening_line: str
    state: _common_pb2.ClientState
    def __init__(self, scenario: _Optional[_Union[Scenario, _Mapping]] = ..., opening_line: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.ClientState, _Mapping]] = ...) -> None: ...

class ConversationTurn(_message.Message):
    __slots__ = ("speaker", "text")
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    speaker: str
    text: str
    def __init__(self, speaker: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ReplyRequest(_message.Message):
    __slots__ = ("session_id", "organisation_id", "scenario_id", "scenario_version", "history", "trainee_text", "state", "turn_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_VERSION_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_TEXT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    organisation_id: str
    scenario_id: str
    scenario_version: int
    history: _containers.RepeatedCompositeFieldContainer[ConversationTurn]
    trainee_text: str
    state: _common_pb2.ClientState
    turn_id: str
    def __init__(self, session_id: _Optional[str] = ..., organisation_id: _Optional[str] = ..., scenario_id: _Optional[str] = ..., scenario_version: _Optional[int] = ..., history: _Optional[_Iterable[_Union[ConversationTurn, _Mapping]]] = ..., trainee_text: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.ClientState, _Mapping]] = ..., turn_id: _Optional[str] = ...) -> None: ...

class ReplyEvent(_message.Message):
    __slots__ = ("delta", "reset", "done", "crisis_pause")
    DELTA_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    CRISIS_PAUSE_FIELD_NUMBER: _ClassVar[int]
    delta: TextDelta
    reset: Reset
    done: ReplyDone
    crisis_pause: CrisisPause
    def __init__(self, delta: _Optional[_Union[TextDelta, _Mapping]] = ..., reset: _Optional[_Union[Reset, _Mapping]] = ..., done: _Optional[_Union[ReplyDone, _Mapping]] = ..., crisis_pause: _Optional[_Union[CrisisPause, _Mapping]] = ...) -> None: ...

class TextDelta(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class Reset(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class GuardAction(_message.Message):
    __slots__ = ("rule", "action", "detail")
    RULE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    rule: str
    action: str
    detail: str
    def __init__(self, rule: _Optional[str] = ..., action: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ReplyDone(_message.Message):
    __slots__ = ("text", "state", "trainee_code", "guard_actions", "model", "completion_tokens", "time_to_first_token_ms", "disclosed_facts", "replica")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_CODE_FIELD_NUMBER: _ClassVar[int]
    GUARD_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIRST_TOKEN_MS_FIELD_NUMBER: _ClassVar[int]
    DISCLOSED_FACTS_FIELD_NUMBER: _ClassVar[int]
    REPLICA_FIELD_NUMBER: _ClassVar[int]
    text: str
    state: _common_pb2.ClientState
    trainee_code: _common_pb2.TurnCode
    guard_actions: _containers.RepeatedCompositeFieldContainer[GuardAction]
    model: str
    completion_tokens: int
    time_to_first_token_ms: float
    disclosed_facts: _containers.RepeatedScalarFieldContainer[str]
    replica: str
    def __init__(self, text: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.ClientState, _Mapping]] = ..., trainee_code: _Optional[_Union[_common_pb2.TurnCode, _Mapping]] = ..., guard_actions: _Optional[_Iterable[_Union[GuardAction, _Mapping]]] = ..., model: _Optional[str] = ..., completion_tokens: _Optional[int] = ..., time_to_first_token_ms: _Optional[float] = ..., disclosed_facts: _Optional[_Iterable[str]] = ..., replica: _Optional[str] = ...) -> None: ...

class CrisisPause(_message.Message):
    __slots__ = ("message", "resources")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    message: str
    resources: _containers.RepeatedCompositeFieldContainer[CrisisResource]
    def __init__(self, message: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[CrisisResource, _Mapping]]] = ...) -> None: ...

class CrisisResource(_message.Message):
    __slots__ = ("name", "contact")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    name: str
    contact: str
    def __init__(self, name: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...
