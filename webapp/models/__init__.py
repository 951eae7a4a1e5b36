"""The database models: one module per concern, all re-exported here."""
from .area import Area, AreaLevel
from .user import User, ROLES, COUNTY_ROLES, TASK_ROLES, WORKING_ROLES
from .registry import Household, Person, RegistrationRecord, RegistrationHistory
from .case import Case, CaseEvent, RegistrationForm
from .process import DiagramVersion, ProcessInstance, InboxTask
from .audit import AuditEvent
from .incident import Incident
from .archive import ArchiveCounter, CaseArchive
from .migration import MigrationItem, MigrationRun
from .change import ChangeRequest
from .survey import SurveyHousehold, SurveySchedule, VillageSurvey
from .inspection import EmployerInspection, EmployerProfile, InspectionDocument
from .expansion import (ExpansionAssignment, ExpansionContact, ExpansionDrive, ExpansionRule, ExpansionTally,
                        ExpansionTarget)
from .draft import ProcessDraft
from .quality import CampaignSummary, SpotCheckDraw, SpotCheckItem
from .form_definition import FormDefinition, FormSubmission, FormVersion
from .notification import Notification, NOTIFICATION_KINDS  # what timers, escalations and runs tell users
from .completeness import CompletenessExclusion, EnrolledAfterRun, VillageCompleteness
from .progress import Bulletin, CoverageSnapshot, LeadingGroupMember, ProgressDaily, ProgressTotal
from .offline import DocumentPhoto, OfflineEntry, SyncReceipt, SyncReport
from .intake import (ComparisonChange, ComparisonEmployer, ComparisonResult, ComparisonRun, HeaderMapping,
                     ImportBatch, IntakeChunk, InvalidIdRow, LinkageCandidate, ProblemRecord, ValidationIssue,
                     ValueMapping)

__all__ = [
    "Area", "AreaLevel", "User", "ROLES", "COUNTY_ROLES", "TASK_ROLES", "WORKING_ROLES", "Household", "Person",
    "RegistrationRecord", "RegistrationHistory", "Case", "CaseEvent", "RegistrationForm",
    "DiagramVersion", "ProcessInstance", "InboxTask", "AuditEvent", "Incident", "Notification", "NOTIFICATION_KINDS",
    "ImportBatch", "HeaderMapping", "IntakeChunk", "ValidationIssue", "InvalidIdRow", "ComparisonRun",
    "ComparisonResult", "ComparisonChange", "ComparisonEmployer", "ProblemRecord", "LinkageCandidate",
    "ValueMapping", "MigrationRun", "MigrationItem", "ProcessDraft", "ProgressDaily", "ProgressTotal",
    "CoverageSnapshot", "LeadingGroupMember", "Bulletin", "ArchiveCounter", "CaseArchive",
    "DocumentPhoto", "OfflineEntry", "SyncReceipt", "SyncReport",
    "ChangeRequest", "SurveySchedule", "VillageSurvey", "SurveyHousehold",
    "SpotCheckDraw", "SpotCheckItem", "CampaignSummary",
    "FormDefinition", "FormVersion", "FormSubmission",
    "EmployerInspection", "InspectionDocument", "EmployerProfile",
    "ExpansionRule", "ExpansionTarget", "ExpansionDrive", "ExpansionAssignment", "ExpansionContact", "ExpansionTally",
    "CompletenessExclusion", "VillageCompleteness", "EnrolledAfterRun",
]
