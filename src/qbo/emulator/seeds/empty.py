"""A new QuickBooks Online company: chart of accounts, terms, payment methods, settings."""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain import crud
from qbo.emulator.domain.validate import coerce_entity
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import local_date
from qbo.schema import catalogue

#: (Name, AccountType, AccountSubType): every account the posting rules need.
CHART: tuple[tuple[str, str, str], ...] = (
    ("Checking", "Bank", "Checking"),
    ("Savings", "Bank", "Savings"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses"),
    ("Furniture and Equipment", "Fixed Asset", "FurnitureAndFixtures"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Mastercard", "Credit Card", "CreditCard"),
    ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable"),
    ("Loan Payable", "Long Term Liability", "NotesPayable"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Retained Earnings", "Equity", "RetainedEarnings"),
    ("Owner's Investment", "Equity", "OwnersEquity"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Discounts given", "Income", "DiscountsRefundsGiven"),
    ("Interest Earned", "Other Income", "InterestEarned"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Advertising", "Expense", "AdvertisingPromotional"),
    ("Bank Charges", "Expense", "BankCharges"),
    ("Insurance", "Expense", "Insurance"),
    ("Legal & Professional Fees", "Expense", "LegalProfessionalFees"),
    ("Meals and Entertainment", "Expense", "EntertainmentMeals"),
    ("Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("Rent or Lease", "Expense", "RentOrLeaseOfBuildings"),
    ("Repair and Maintenance", "Expense", "RepairMaintenance"),
    ("Supplies", "Expense", "SuppliesMaterials"),
    ("Travel", "Expense", "Travel"),
    ("Utilities", "Expense", "Utilities"),
    ("Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss"),
    ("Miscellaneous", "Other Expense", "OtherMiscellaneousExpense"),
)

TERMS: tuple[tuple[str, int], ...] = (
    ("Due on receipt", 0),
    ("Net 15", 15),
    ("Net 30", 30),
    ("Net 60", 60),
)
PAYMENT_METHODS: tuple[tuple[str, str], ...] = (
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
    ("Discover", "CREDIT_CARD"),
)


def create(s: Session, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create through the same validation and rules as an API request."""
    definition = catalogue().entity(entity)
    return crud.insert_new(s, definition, coerce_entity(definition, body))


def _company_address(country: str) -> dict[str, Any]:
    """The company's address; QBO answers it as CompanyAddr, LegalAddr and the address
    customers see (each with an Id of its own)."""
    return {
        "Line1": "123 Main Street",
        "City": "Mountain View",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94043",
        "Country": country,
    }


def seed_empty(s: Session) -> None:
    realm = s.realm
    home = s.home_currency_ref()
    create(
        s,
        "CompanyInfo",
        {
            "CompanyName": realm.company_name,
            "LegalName": realm.company_name,
            "Country": realm.country,
            "CompanyAddr": _company_address(realm.country),
            "LegalAddr": _company_address(realm.country),
            "CustomerCommunicationAddr": _company_address(realm.country),
            "PrimaryPhone": {"FreeFormNumber": "(650) 555-0100"},
            "Email": {"Address": "noreply@example.com"},
            "CompanyStartDate": local_date(s.now, realm.timezone).isoformat(),
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en",
            "DefaultTimeZone": realm.timezone,
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IndustryType", "Value": "Other"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
        },
    )
    accounts = {
        name: create(s, "Account", {"Name": name, "AccountType": kind, "AccountSubType": sub})
        for name, kind, sub in CHART
    }
    terms = {
        name: create(s, "Term", {"Name": name, "Type": "STANDARD", "DueDays": days})
        for name, days in TERMS
    }
    for name, kind in PAYMENT_METHODS:
        create(s, "PaymentMethod", {"Name": name, "Type": kind})
    create(
        s,
        "Preferences",
        {
            "AccountingInfoPrefs": {
                "UseAccountNumbers": False,
                "TrackDepartments": False,
                "ClassTrackingPerTxn": False,
                "ClassTrackingPerTxnLine": False,
                "FirstMonthOfFiscalYear": "January",
                "TaxYearMonth": "January",
                "CustomerTerminology": "Customers",
                "DefaultARAccount": {"value": accounts["Accounts Receivable (A/R)"]["Id"]},
                "DefaultAPAccount": {"value": accounts["Accounts Payable (A/P)"]["Id"]},
            },
            "ProductAndServicesPrefs": {
                "ForSales": True,
                "ForPurchase": True,
                "QuantityWithPriceAndRate": True,
                "QuantityOnHand": True,
            },
            "SalesFormsPrefs": {
                "CustomTxnNumbers": False,
                "AllowDeposit": True,
                "AllowDiscount": True,
                "AllowEstimates": True,
                "AllowShipping": False,
                "AllowServiceDate": False,
                "ETransactionEnabledStatus": "NotApplicable",
                "DefaultTerms": {"value": terms["Net 30"]["Id"]},
                "AutoApplyCredit": True,
                "AutoApplyPayments": True,
                "IPNSupportEnabled": False,
            },
            "VendorAndPurchasesPrefs": {
                "TrackingByCustomer": False,
                "BillableExpenseTracking": False,
            },
            "TaxPrefs": {"UsingSalesTax": True},
            "CurrencyPrefs": {
                "MultiCurrencyEnabled": False,
                "HomeCurrency": {"value": home["value"]},
            },
            "ReportPrefs": {"ReportBasis": "Accrual"},
        },
    )
