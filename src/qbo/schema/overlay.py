"""Hand-kept facts about QBO's REST entities that the XSDs do not state.

The XSDs give shapes; this module gives REST behaviour: URL segment, JSON key, allowed
operations, required-on-create groups, read-only and
length-limited fields, CDC support and the properties the emulator indexes.
It also names the fields the XSD marks desktop-only (``Product: QBW``) although QBO uses
them (``KEEP_DESKTOP_FIELDS``), which the catalogue generator consults.

Pure data, no imports from the loader, so ``tools/gen_catalogue.py`` can read it.
Where a fact is uncertain the comment says so and the value errs on the lenient side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qbo.schema.types import EntityKind, Operation

_O = Operation

# -- operations -----------------------------------------------------------

_READ = frozenset({_O.READ, _O.QUERY})
_UPDATE = frozenset({_O.UPDATE, _O.SPARSE_UPDATE})
_CRUD = _READ | _UPDATE | {_O.CREATE}
NAME_LIST_OPS = _CRUD  # inactivated with Active=false, never deleted
TXN_OPS = _CRUD | {_O.DELETE}


@dataclass(frozen=True, slots=True)
class EntityFacts:
    """The overlay's record for one entity; ``None`` path/json_key mean the defaults."""

    kind: EntityKind
    operations: frozenset[Operation]
    path: str | None = None  # default: the lower-case name
    json_key: str | None = None  # default: the name
    create_path: str | None = None  # where create goes when not ``path`` (TaxService)
    required: tuple[tuple[str, ...], ...] = ()
    cdc: bool = True
    indexed: tuple[str, ...] = ()
    read_only: frozenset[str] = frozenset()  # in addition to COMMON_READ_ONLY
    max_lengths: Mapping[str, int] = field(default_factory=dict)  # added to COMMON_MAX_LENGTHS
    not_filterable: frozenset[str] = frozenset()  # scalar fields QBO refuses in WHERE


_NL = EntityKind.NAME_LIST
_TX = EntityKind.TRANSACTION
_OT = EntityKind.OTHER

# A person-like name list: DisplayName or any name part builds it (Intuit's API reference).
_PERSON_REQUIRED = (("DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix"),)
_PERSON_INDEXED = ("DisplayName", "Active", "GivenName", "FamilyName", "CompanyName")
_TXN_INDEXED = ("TxnDate", "DocNumber", "TotalAmt")
_SALES_INDEXED = (*_TXN_INDEXED, "CustomerRef", "Balance", "DueDate")
_PURCHASE_INDEXED = (*_TXN_INDEXED, "VendorRef")

# Amounts the server computes from a transaction's lines (and payments); an entity
# lacking one of them simply has nothing to mark.
COMPUTED_AMOUNTS = frozenset({"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance"})

ENTITIES: dict[str, EntityFacts] = {
    # name lists ---------------------------------------------------------------------------
    "Account": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",), ("AccountType", "AccountSubType")),
        indexed=(
            "Name",
            "Active",
            "AccountType",
            "AccountSubType",
            "Classification",
            "FullyQualifiedName",
            "AcctNum",
        ),
        read_only=frozenset(
            {
                "CurrentBalance",
                "CurrentBalanceWithSubAccounts",
                "FullyQualifiedName",
                "Classification",
            }
        ),
        max_lengths={"Name": 100, "Description": 100, "AcctNum": 20},
    ),
    "Class": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",),),
        indexed=("Name", "Active", "FullyQualifiedName"),
        read_only=frozenset({"FullyQualifiedName"}),
        max_lengths={"Name": 100},
    ),
    "Department": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",),),
        indexed=("Name", "Active", "FullyQualifiedName"),
        read_only=frozenset({"FullyQualifiedName"}),
        max_lengths={"Name": 100},
    ),
    "Customer": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=_PERSON_REQUIRED,
        indexed=(*_PERSON_INDEXED, "Balance", "FullyQualifiedName", "ParentRef", "Job"),
        read_only=frozenset(
            {"Balance", "BalanceWithJobs", "FullyQualifiedName", "Level", "RootCustomerRef"}
        ),
        max_lengths={"CompanyName": 100, "PrintOnCheckName": 110, "Notes": 2000, "ResaleNum": 16},
    ),
    "Vendor": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=_PERSON_REQUIRED,
        indexed=(*_PERSON_INDEXED, "Balance"),
        read_only=frozenset({"Balance"}),
        max_lengths={
            "CompanyName": 100,
            "PrintOnCheckName": 110,
            "Notes": 2000,
            "AcctNum": 100,
            "TaxIdentifier": 20,
        },
    ),
    "Employee": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=_PERSON_REQUIRED,
        indexed=_PERSON_INDEXED,
        max_lengths={"PrintOnCheckName": 100, "EmployeeNumber": 100, "SSN": 100},
    ),
    "Item": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",), ("Type",)),
        indexed=("Name", "Active", "Type", "Sku", "FullyQualifiedName", "ParentRef"),
        read_only=frozenset(
            {"FullyQualifiedName", "Level", "AvgCost", "QtyOnPurchaseOrder", "QtyOnSalesOrder"}
        ),
        max_lengths={"Name": 100, "Description": 4000, "PurchaseDesc": 1000, "Sku": 100},
    ),
    "PaymentMethod": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",),),
        indexed=("Name", "Active", "Type"),
        max_lengths={"Name": 31},
    ),
    "Term": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        required=(("Name",), ("DueDays", "DayOfMonthDue")),
        indexed=("Name", "Active", "Type"),
        max_lengths={"Name": 31},
    ),
    "CompanyCurrency": EntityFacts(
        _NL,
        _CRUD,
        indexed=("Code", "Name", "Active"),
        required=(("Code",),),
        read_only=frozenset({"Name"}),
    ),
    "CustomerType": EntityFacts(_NL, _READ, indexed=("Name", "Active")),
    "TaxAgency": EntityFacts(
        _NL,
        _READ | {_O.CREATE},
        cdc=False,
        required=(("DisplayName",),),
        indexed=("DisplayName",),
    ),
    "TaxCode": EntityFacts(
        _NL,
        _READ | {_O.CREATE},
        create_path="taxservice/taxcode",
        cdc=False,
        indexed=("Name", "Active"),
    ),
    "TaxRate": EntityFacts(
        _NL,
        _READ | {_O.CREATE},
        create_path="taxservice/taxcode",
        cdc=False,
        indexed=("Name", "Active"),
    ),
    # France only; Intuit documents create, read, query, update.
    "JournalCode": EntityFacts(
        _NL,
        NAME_LIST_OPS,
        cdc=False,
        required=(("Name",),),
        indexed=("Name", "Active", "Type"),
    ),
    # sales transactions -------------------------------------------------------------------
    "Invoice": EntityFacts(
        _TX,
        TXN_OPS | {_O.VOID, _O.SEND, _O.PDF},
        required=(("CustomerRef",), ("Line",)),
        indexed=_SALES_INDEXED,
        read_only=COMPUTED_AMOUNTS | {"DeliveryInfo", "InvoiceLink", "EInvoiceStatus"},
    ),
    "Estimate": EntityFacts(
        _TX,
        TXN_OPS | {_O.SEND, _O.PDF},
        required=(("CustomerRef",), ("Line",)),
        indexed=(*_SALES_INDEXED, "TxnStatus"),
        read_only=COMPUTED_AMOUNTS | {"DeliveryInfo"},
    ),
    "CreditMemo": EntityFacts(
        _TX,
        TXN_OPS | {_O.SEND, _O.PDF},
        required=(("CustomerRef",), ("Line",)),
        indexed=_SALES_INDEXED,
        read_only=COMPUTED_AMOUNTS | {"DeliveryInfo", "RemainingCredit"},
    ),
    "SalesReceipt": EntityFacts(
        _TX,
        TXN_OPS | {_O.VOID, _O.SEND, _O.PDF},
        required=(("Line",),),
        indexed=(*_TXN_INDEXED, "CustomerRef"),
        read_only=COMPUTED_AMOUNTS | {"DeliveryInfo"},
    ),
    "RefundReceipt": EntityFacts(
        _TX,
        TXN_OPS | {_O.SEND, _O.PDF},
        required=(("Line",), ("DepositToAccountRef",)),
        indexed=(*_TXN_INDEXED, "CustomerRef"),
        read_only=COMPUTED_AMOUNTS | {"DeliveryInfo"},
    ),
    "Payment": EntityFacts(
        _TX,
        TXN_OPS | {_O.VOID},
        required=(("TotalAmt",), ("CustomerRef",)),
        indexed=(*_TXN_INDEXED, "CustomerRef"),
        read_only=frozenset({"UnappliedAmt"}),
        max_lengths={"PaymentRefNum": 21},
    ),
    # purchase transactions ----------------------------------------------------------------
    "Bill": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("VendorRef",), ("Line",)),
        indexed=(*_PURCHASE_INDEXED, "Balance", "DueDate"),
        read_only=COMPUTED_AMOUNTS,
    ),
    "VendorCredit": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("VendorRef",), ("Line",)),
        indexed=_PURCHASE_INDEXED,
        read_only=COMPUTED_AMOUNTS,
    ),
    "PurchaseOrder": EntityFacts(
        _TX,
        TXN_OPS | {_O.SEND},
        required=(("VendorRef",), ("Line",)),
        indexed=(*_PURCHASE_INDEXED, "POStatus", "DueDate"),
        read_only=COMPUTED_AMOUNTS,
    ),
    "BillPayment": EntityFacts(
        _TX,
        TXN_OPS | {_O.VOID},
        required=(
            ("VendorRef",),
            ("TotalAmt",),
            ("PayType",),
            ("CheckPayment", "CreditCardPayment"),
            ("Line",),
        ),
        indexed=_PURCHASE_INDEXED,
    ),
    "Purchase": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("AccountRef",), ("PaymentType",), ("Line",)),
        indexed=(*_TXN_INDEXED, "AccountRef", "PaymentType", "EntityRef"),
        read_only=COMPUTED_AMOUNTS,
    ),
    # banking and accounting ---------------------------------------------------------------
    "Deposit": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("DepositToAccountRef",), ("Line",)),
        indexed=(*_TXN_INDEXED, "DepositToAccountRef"),
        read_only=COMPUTED_AMOUNTS,
    ),
    "Transfer": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("FromAccountRef",), ("ToAccountRef",), ("Amount",)),
        indexed=("TxnDate", "Amount", "FromAccountRef", "ToAccountRef"),
    ),
    "JournalEntry": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("Line",),),
        indexed=_TXN_INDEXED,
        read_only=frozenset({"TotalAmt", "HomeTotalAmt"}),
    ),
    "CreditCardPaymentTxn": EntityFacts(
        _TX,
        TXN_OPS,
        path="creditcardpayment",
        required=(("CreditCardAccountRef",), ("BankAccountRef",), ("Amount",)),
        indexed=("TxnDate", "Amount", "CreditCardAccountRef", "BankAccountRef"),
    ),
    "InventoryAdjustment": EntityFacts(
        _TX,
        TXN_OPS,
        required=(("AdjustAccountRef",), ("Line",)),
        indexed=("TxnDate", "DocNumber"),
    ),
    "TimeActivity": EntityFacts(
        _TX,
        TXN_OPS,
        cdc=False,
        required=(("NameOf",), ("EmployeeRef", "VendorRef"), ("Hours", "Minutes", "StartTime")),
        indexed=("TxnDate", "EmployeeRef", "VendorRef", "CustomerRef"),
    ),
    # RecurringTransaction: no update.
    "RecurringTransaction": EntityFacts(_OT, _READ | {_O.CREATE, _O.DELETE}),
    # other --------------------------------------------------------------------------------
    "Attachable": EntityFacts(
        _OT,
        _CRUD | {_O.DELETE, _O.DOWNLOAD},
        indexed=("FileName", "ContentType", "Category"),
        read_only=frozenset(
            {
                "FileAccessUri",
                "TempDownloadUri",
                "Size",
                "ThumbnailFileAccessUri",
                "ThumbnailTempDownloadUri",
            }
        ),
        max_lengths={"FileName": 1000, "Note": 2000},
    ),
    "Budget": EntityFacts(
        _OT,
        _CRUD | {_O.DELETE},
        indexed=("Name", "Active", "StartDate"),
    ),
    "ExchangeRate": EntityFacts(
        _OT,
        _READ | _UPDATE,
        indexed=("SourceCurrencyCode", "AsOfDate"),
        required=(("SourceCurrencyCode",), ("Rate",)),
    ),
    # Guide: "yes (sparse)"; full update is also documented by Intuit, so both are allowed.
    "CompanyInfo": EntityFacts(_OT, _READ | _UPDATE),
    "Preferences": EntityFacts(_OT, _READ | _UPDATE),
}

# -- fields ------------------------------------------------------------------------------------

# Server-maintained on every entity: ignored (not rejected) when a client sends them.
COMMON_READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status"})

# Keys recorded QBO answers carry that no XSD declares: a client that sends an object
# back as it read it sends them too, so they are accepted and ignored like the XSD's
# ignored elements. type -> keys.
OUTPUT_ONLY: Mapping[str, frozenset[str]] = {"Line": frozenset({"CustomExtensions"})}

# Maximum string lengths shared by every entity that has the field (Intuit's API reference).
# A length not listed is unknown and not enforced.
COMMON_MAX_LENGTHS: Mapping[str, int] = {
    "DisplayName": 500,
    "Title": 16,
    "GivenName": 100,
    "MiddleName": 100,
    "FamilyName": 100,
    "Suffix": 16,
    "CompanyName": 100,
    "Notes": 2000,
    "PrivateNote": 4000,
    "DocNumber": 21,
    "Name": 100,
    "Description": 4000,
    "Memo": 4000,
}

# Lengths inside nested types: type -> field -> max length.
TYPE_MAX_LENGTHS: Mapping[str, Mapping[str, int]] = {
    "PhysicalAddress": {
        "Line1": 500,
        "Line2": 500,
        "Line3": 500,
        "Line4": 500,
        "Line5": 500,
        "City": 255,
        "Country": 255,
        "CountrySubDivisionCode": 255,
        "PostalCode": 30,
    },
    "EmailAddress": {"Address": 100},
    "TelephoneNumber": {"FreeFormNumber": 30},
    "WebSiteAddress": {"URI": 1000},
    "Line": {"Description": 4000},
    "MemoRef": {"value": 1000},
}

# Fields QBO queries on MetaData; the query language addresses them as MetaData.X.
METADATA_QUERYABLE = ("CreateTime", "LastUpdatedTime")

# Fields the XSD annotations mark desktop-only (Product: QBW) that QBO serves and accepts.
# Anything else marked only QBW is left out of the catalogue (see tools/gen_catalogue.py).
KEEP_DESKTOP_FIELDS: Mapping[str, frozenset[str]] = {
    "IntuitEntity": frozenset({"CustomField"}),  # CustomField: [] on every sales form
    "Line": frozenset({"LineNum", "DescriptionLineDetail"}),  # DescriptionOnly lines
    "Item": frozenset({"Active"}),
    "Account": frozenset({"TaxCodeRef"}),
    "TaxCode": frozenset({"Active", "Hidden", "Taxable", "TaxGroup"}),
    "TaxRate": frozenset({"Name", "Description", "Active"}),
    "SalesTransaction": frozenset(
        {"ClassRef", "SalesTermRef", "ShipMethodRef", "ShipDate", "TrackingNum"}
    ),
    "Vendor": frozenset({"T4AEligible", "T5018Eligible", "BusinessNumber"}),
    "ModificationMetaData": frozenset({"LastModifiedByRef"}),
    "TimeTrackingPrefs": frozenset({"MarkTimeEntriesBillable"}),
    "VendorAndPurchasesPrefs": frozenset({"POCustomField"}),
}

# Requirements that depend on a discriminator value, checked after REQUIRED.
# entity -> discriminator field -> value -> groups.
CONDITIONAL_REQUIRED: Mapping[str, Mapping[str, Mapping[str, tuple[tuple[str, ...], ...]]]] = {
    "Item": {
        "Type": {
            "Inventory": (
                ("IncomeAccountRef",),
                ("ExpenseAccountRef",),
                ("AssetAccountRef",),
                ("QtyOnHand",),
                ("InvStartDate",),
                ("TrackQtyOnHand",),
            ),
            "Service": (("IncomeAccountRef", "ExpenseAccountRef"),),
            "NonInventory": (("IncomeAccountRef", "ExpenseAccountRef"),),
        }
    },
    "BillPayment": {
        "PayType": {"Check": (("CheckPayment",),), "CreditCard": (("CreditCardPayment",),)}
    },
    "TimeActivity": {"NameOf": {"Employee": (("EmployeeRef",),), "Vendor": (("VendorRef",),)}},
}


def path_of(name: str) -> str:
    """The URL segment of an entity."""
    facts = ENTITIES[name]
    return facts.path or name.lower()


def json_key_of(name: str) -> str:
    """The body key of an entity."""
    return ENTITIES[name].json_key or name
