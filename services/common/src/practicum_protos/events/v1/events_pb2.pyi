import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from practicum_protos.common.v1 import common_pb2 as _common_pb2
from practicum_protos.simulation.v1 import simulation_pb2 as _simulation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionEvent(_message.Message):
    __slots__ = ("event_id", "event_type", "schema_version", "occurred_at", "organisation_id", "session_id", "trainee_id", "scenario_id", "scenario_version", "session_started", "turn_completed", "session_ended", "trainee_erased", "cohort_member_added", "cohort_member_removed")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_STARTED_FIELD_NUMBER: _ClassVar[int]
    TURN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    SESSION_ENDED_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_ERASED_FIELD_NUMBER: _ClassVar[int]
    COHORT_MEMBER_ADDED_FIELD_NUMBER: _ClassVar[int]
    COHORT_MEMBER_REMOVED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    schema_version: int
    occurred_at: _timestamp_pb2.Timestamp
    organisation_id: str
    session_id: str
    trainee_id: str
    scenario_id: str
    scenario_version: int
    session_started: SessionStarted
    turn_completed: TurnCompleted
    session_ended: SessionEnded
    trainee_erased: TraineeErased
    cohort_member_added: CohortMembership
    cohort_member_removed: CohortMembership
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organisation_id: _Optional[str] = ..., session_id: _Optional[str] = ..., trainee_id: _Optional[str] = ..., scenario_id: _Optional[str] = ..., scenario_version: _Optional[int] = ..., session_started: _Optional[_Union[SessionStarted, _Mapping]] = ..., turn_completed: _Optional[_Union[TurnCompleted, _Mapping]] = ..., session_ended: _Optional[_Union[SessionEnded, _Mapping]] = ..., trainee_erased: _Optional[_Union[TraineeErased, _Mapping]] = ..., cohort_member_added: _Optional[_Union[CohortMembership, _Mapping]] = ..., cohort_member_removed: _Optional[_Union[CohortMembership, _Mapping]] = ...) -> None: ...

class CohortMembership(_message.Message):
    __slots__ = ("cohort_id", "cohort_deleted")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_DELETED_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    cohort_deleted: bool
    def __init__(self, cohort_id: _Optional[str] = ..., cohort_deleted: _Optional[bool] = ...) -> None: ...

class SessionStarted(_message.Message):
    __slots__ = ("opening_line", "cohort_id", "scenario", "cohort_ids")
    OPENING_LINE_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    COHORT_IDS_FIELD_NUMBER: _ClassVar[int]
    opening_line: str
    cohort_id: str
    scenario: _simulation_pb2.Scenario
    cohort_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, opening_line: _Optional[str] = ..., cohort_id: _Optional[str] = ..., scenario: _Optional[_Union[_simulation_pb2.Scenario, _Mapping]] = ..., cohort_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class TurnCompleted(_message.Message):
    __slots__ = ("turn_id", "turn_index", "trainee_text", "client_text", "prev_client_text", "trainee_code", "client_state", "guard_actions", "disclosed_facts")
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_TEXT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TEXT_FIELD_NUMBER: _ClassVar[int]
    PREV_CLIENT_TEXT_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_CODE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_STATE_FIELD_NUMBER: _ClassVar[int]
    GUARD_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DISCLOSED_FACTS_FIELD_NUMBER: _ClassVar[int]
    turn_id: str
    turn_index: int
    trainee_text: str
    client_text: str
    prev_client_text: str
    trainee_code: _common_pb2.TurnCode
    client_state: _common_pb2.ClientState
    guard_actions: int
    disclosed_facts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, turn_id: _Optional[str] = ..., turn_index: _Optional[int] = ..., trainee_text: _Optional[str] = ..., client_text: _Optional[str] = ..., prev_client_text: _Optional[str] = ..., trainee_code: _Optional[_Union[_common_pb2.TurnCode, _Mapping]] = ..., client_state: _Optional[_Union[_common_pb2.ClientState, _Mapping]] = ..., guard_actions: _Optional[int] = ..., disclosed_facts: _Optional[_Iterable[str]] = ...) -> None: ...

class SessionEnded(_message.Message):
    __slots__ = ("turn_count", "reason")
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    turn_count: int
    reason: str
    def __init__(self, turn_count: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class TraineeErased(_message.Message):
    __slots__ = ("session_ids",)
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GradeEvent(_message.Message):
    __slots__ = ("event_id", "event_type", "schema_version", "occurred_at", "organisation_id", "session_id", "trainee_id", "turn_graded", "session_reported")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_GRADED_FIELD_NUMBER: _ClassVar[int]
    SESSION_REPORTED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    schema_version: int
    occurred_at: _timestamp_pb2.Timestamp
    organisation_id: str
    session_id: str
    trainee_id: str
    turn_graded: TurnGraded
    session_reported: SessionReported
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organisation_id: _Optional[str] = ..., session_id: _Optional[str] = ..., trainee_id: _Optional[str] = ..., turn_graded: _Optional[_Union[TurnGraded, _Mapping]] = ..., session_reported: _Optional[_Union[SessionReported, _Mapping]] = ...) -> None: ...

class TurnGraded(_message.Message):
    __slots__ = ("turn_id", "turn_index", "code", "grader_version", "feedback")
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    GRADER_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    turn_id: str
    turn_index: int
    code: _common_pb2.TurnCode
    grader_version: str
    feedback: str
    def __init__(self, turn_id: _Optional[str] = ..., turn_index: _Optional[int] = ..., code: _Optional[_Union[_common_pb2.TurnCode, _Mapping]] = ..., grader_version: _Optional[str] = ..., feedback: _Optional[str] = ...) -> None: ...

class SessionReported(_message.Message):
    __slots__ = ("report_id", "grader_version", "reflections", "questions", "reflection_to_question_ratio", "percent_complex_reflections", "percent_open_questions", "mi_adherent", "mi_non_adherent", "partnership", "empathy", "cultivating_change_talk", "softening_sustain_talk", "judge_source", "objective_checks")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    GRADER_VERSION_FIELD_NUMBER: _ClassVar[int]
    REFLECTIONS_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    REFLECTION_TO_QUESTION_RATIO_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLEX_REFLECTIONS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_OPEN_QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    MI_ADHERENT_FIELD_NUMBER: _ClassVar[int]
    MI_NON_ADHERENT_FIELD_NUMBER: _ClassVar[int]
    PARTNERSHIP_FIELD_NUMBER: _ClassVar[int]
    EMPATHY_FIELD_NUMBER: _ClassVar[int]
    CULTIVATING_CHANGE_TALK_FIELD_NUMBER: _ClassVar[int]
    SOFTENING_SUSTAIN_TALK_FIELD_NUMBER: _ClassVar[int]
    JUDGE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_CHECKS_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    grader_version: str
    reflections: int
    questions: int
    reflection_to_question_ratio: float
    percent_complex_reflections: float
    percent_open_questions: float
    mi_adherent: int
    mi_non_adherent: int
    partnership: float
    empathy: float
    cultivating_change_talk: float
    softening_sustain_talk: float
    judge_source: str
    objective_checks: _containers.RepeatedCompositeFieldContainer[ObjectiveOutcome]
    def __init__(self, report_id: _Optional[str] = ..., grader_version: _Optional[str] = ..., reflections: _Optional[int] = ..., questions: _Optional[int] = ..., reflection_to_question_ratio: _Optional[float] = ..., percent_complex_reflections: _Optional[float] = ..., percent_open_questions: _Optional[float] = ..., mi_adherent: _Optional[int] = ..., mi_non_adherent: _Optional[int] = ..., partnership: _Optional[float] = ..., empathy: _Optional[float] = ..., cultivating_change_talk: _Optional[float] = ..., softening_sustain_talk: _Optional[float] = ..., judge_source: _Optional[str] = ..., objective_checks: _Optional[_Iterable[_Union[ObjectiveOutcome, _Mapping]]] = ...) -> None: ...

class ObjectiveOutcome(_message.Message):
    __slots__ = ("check", "status")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    check: str
    status: str
    def __init__(self, check: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ReportEvent(_message.Message):
    __slots__ = ("event_id", "event_type", "schema_version", "occurred_at", "organisation_id", "session_id", "trainee_id", "report")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    schema_version: int
    occurred_at: _timestamp_pb2.Timestamp
    organisation_id: str
    session_id: str
    trainee_id: str
    report: SessionReport
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organisation_id: _Optional[str] = ..., session_id: _Optional[str] = ..., trainee_id: _Optional[str] = ..., report: _Optional[_Union[SessionReport, _Mapping]] = ...) -> None: ...

class SessionReport(_message.Message):
    __slots__ = ("report_id", "grader_version", "report_json", "report_text")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    GRADER_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    REPORT_TEXT_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    grader_version: str
    report_json: str
    report_text: str
    def __init__(self, report_id: _Optional[str] = ..., grader_version: _Optional[str] = ..., report_json: _Optional[str] = ..., report_text: _Optional[str] = ...) -> None: ...

class AnalystEvent(_message.Message):
    __slots__ = ("event_id", "event_type", "schema_version", "occurred_at", "organisation_id", "session_id", "trainee_pseudonym", "session_started", "turn_completed", "turn_coded", "session_ended", "session_reported", "trainee_erased", "cohort_member_added", "cohort_member_removed")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    SESSION_STARTED_FIELD_NUMBER: _ClassVar[int]
    TURN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TURN_CODED_FIELD_NUMBER: _ClassVar[int]
    SESSION_ENDED_FIELD_NUMBER: _ClassVar[int]
    SESSION_REPORTED_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_ERASED_FIELD_NUMBER: _ClassVar[int]
    COHORT_MEMBER_ADDED_FIELD_NUMBER: _ClassVar[int]
    COHORT_MEMBER_REMOVED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    schema_version: int
    occurred_at: _timestamp_pb2.Timestamp
    organisation_id: str
    session_id: str
    trainee_pseudonym: str
    session_started: AnalystSessionStarted
    turn_completed: AnalystTurnCompleted
    turn_coded: AnalystTurnCoded
    session_ended: AnalystSessionEnded
    session_reported: SessionReported
    trainee_erased: AnalystTraineeErased
    cohort_member_added: CohortMembership
    cohort_member_removed: CohortMembership
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organisation_id: _Optional[str] = ..., session_id: _Optional[str] = ..., trainee_pseudonym: _Optional[str] = ..., session_started: _Optional[_Union[AnalystSessionStarted, _Mapping]] = ..., turn_completed: _Optional[_Union[AnalystTurnCompleted, _Mapping]] = ..., turn_coded: _Optional[_Union[AnalystTurnCoded, _Mapping]] = ..., session_ended: _Optional[_Union[AnalystSessionEnded, _Mapping]] = ..., session_reported: _Optional[_Union[SessionReported, _Mapping]] = ..., trainee_erased: _Optional[_Union[AnalystTraineeErased, _Mapping]] = ..., cohort_member_added: _Optional[_Union[CohortMembership, _Mapping]] = ..., cohort_member_removed: _Optional[_Union[CohortMembership, _Mapping]] = ...) -> None: ...

class AnalystSessionStarted(_message.Message):
    __slots__ = ("scenario_id", "scenario_version", "cohort_ids")
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_VERSION_FIELD_NUMBER: _ClassVar[int]
    COHORT_IDS_FIELD_NUMBER: _ClassVar[int]
    scenario_id: str
    scenario_version: int
    cohort_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scenario_id: _Optional[str] = ..., scenario_version: _Optional[int] = ..., cohort_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AnalystTurnCompleted(_message.Message):
    __slots__ = ("turn_index", "client_state", "guard_actions")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CLIENT_STATE_FIELD_NUMBER: _ClassVar[int]
    GUARD_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    client_state: _common_pb2.ClientState
    guard_actions: int
    def __init__(self, turn_index: _Optional[int] = ..., client_state: _Optional[_Union[_common_pb2.ClientState, _Mapping]] = ..., guard_actions: _Optional[int] = ...) -> None: ...

class AnalystTurnCoded(_message.Message):
    __slots__ = ("turn_index", "code", "grader_version")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    GRADER_VERSION_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    code: _common_pb2.TurnCode
    grader_version: str
    def __init__(self, turn_index: _Optional[int] = ..., code: _Optional[_Union[_common_pb2.TurnCode, _Mapping]] = ..., grader_version: _Optional[str] = ...) -> None: ...

class AnalystSessionEnded(_message.Message):
    __slots__ = ("turn_count",)
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    turn_count: int
    def __init__(self, turn_count: _Optional[int] = ...) -> None: ...

class AnalystTraineeErased(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
