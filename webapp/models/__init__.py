"""The database models: one module per concern, all re-exported here."""
from .area import Area, AreaLevel
from .user import User, ROLES, COUNTY_ROLES
from .registry import Household, Person, RegistrationRecord, RegistrationHistory
from .case import Case, CaseEvent, RegistrationForm
from .process import DiagramVersion, ProcessInstance, InboxTask
from .audit import AuditEvent

__all__ = [
    "Area", "AreaLevel", "User", "ROLES", "COUNTY_ROLES", "Household", "Person",
    "RegistrationRecord", "RegistrationHistory", "Case", "CaseEvent", "RegistrationForm",
    "DiagramVersion", "ProcessInstance", "InboxTask", "AuditEvent",
]
