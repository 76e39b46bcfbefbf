"""Every table, imported here so Alembic sees the whole metadata."""

from .activity import ActivityEntry, ActivityRead
from .base import BookingStatus, Channel, PaymentMethod, Role, UTCDateTime, utcnow
from .booking import Booking, BookingCreate, BookingMove, BookingRead
from .catalog import Product, ProductCreate, ProductRead, Service, ServiceCreate, ServiceRead, StockMovement
from .chat import ChatAttachment, ChatMessage, Conversation, ConversationRead, MessageRead
from .customer import Customer, CustomerCreate, CustomerRead
from .figures import AnalyticsReport, DashboardSummary
from .hold import SlotHold
from .inquiry import Inquiry
from .location import (
    Closure,
    Location,
    LocationCreate,
    LocationRead,
    LocationSettings,
    LocationTax,
    OpeningStretch,
    TaxRate,
)
from .notification import Notification, NotificationReceipt, NotificationView
from .receipt import (
    Payment,
    Receipt,
    ReceiptCounter,
    ReceiptCreate,
    ReceiptLine,
    ReceiptLineCreate,
    ReceiptLineTax,
    ReceiptRead,
)
from .revision import ChangeLogEntry, DataRevision
from .schedule import ReportRun, ReportRunRead, ReportSchedule, ReportScheduleBase, ReportScheduleRead
from .staff import (
    ExtraShift,
    ExtraShiftRead,
    Schedule,
    StaffMember,
    StaffMemberCreate,
    StaffMemberRead,
    StaffService,
    TimeOff,
    TimeOffRead,
    WorkingHours,
    WorkingHoursBase,
)
from .user import SignInThrottle, User, UserRead
from .waitlist import WaitlistEntry, WaitlistJoin, WaitlistRead

__all__ = [
    'ActivityEntry',
    'ActivityRead',
    'AnalyticsReport',
    'Booking',
    'BookingCreate',
    'BookingMove',
    'BookingRead',
    'BookingStatus',
    'ChangeLogEntry',
    'Channel',
    'ChatAttachment',
    'ChatMessage',
    'Closure',
    'Conversation',
    'ConversationRead',
    'Customer',
    'CustomerCreate',
    'CustomerRead',
    'DashboardSummary',
    'DataRevision',
    'ExtraShift',
    'ExtraShiftRead',
    'Inquiry',
    'Location',
    'LocationCreate',
    'LocationRead',
    'LocationSettings',
    'LocationTax',
    'MessageRead',
    'Notification',
    'NotificationReceipt',
    'NotificationView',
    'OpeningStretch',
    'Payment',
    'PaymentMethod',
    'Product',
    'ProductCreate',
    'ProductRead',
    'Receipt',
    'ReceiptCounter',
    'ReceiptCreate',
    'ReceiptLine',
    'ReceiptLineCreate',
    'ReceiptLineTax',
    'ReceiptRead',
    'ReportRun',
    'ReportRunRead',
    'ReportSchedule',
    'ReportScheduleBase',
    'ReportScheduleRead',
    'Role',
    'Schedule',
    'Service',
    'ServiceCreate',
    'ServiceRead',
    'SignInThrottle',
    'SlotHold',
    'StaffMember',
    'StaffMemberCreate',
    'StaffMemberRead',
    'StaffService',
    'StockMovement',
    'TaxRate',
    'TimeOff',
    'TimeOffRead',
    'UTCDateTime',
    'User',
    'UserRead',
    'WaitlistEntry',
    'WaitlistJoin',
    'WaitlistRead',
    'WorkingHours',
    'WorkingHoursBase',
    'utcnow',
]
