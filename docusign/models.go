package docusign

// Wire models of the eSignature REST API v2.1. Field names and JSON keys follow Docusign's
// official OpenAPI definitions (camelCase). Docusign sends booleans, numbers and ids as JSON
// strings ("true", "1"), so those fields are Go strings here. Every field is omitempty, so a
// request carries only what the caller set. Times stay the raw strings that Docusign sent, for
// ParseTime to parse.

// EnvelopeDefinition is the request body of Envelopes:create (the envelopeDefinition definition).
// Set Status to "sent" to send at once (EmailSubject, Documents and Recipients are then required),
// or to "created" (or leave it empty) for a draft. TemplateID with TemplateRoles creates the
// envelope from a server template.
type EnvelopeDefinition struct {
	Status        string         `json:"status,omitempty"`
	EmailSubject  string         `json:"emailSubject,omitempty"`
	EmailBlurb    string         `json:"emailBlurb,omitempty"`
	TemplateID    string         `json:"templateId,omitempty"`
	TemplateRoles []TemplateRole `json:"templateRoles,omitempty"`
	Documents     []Document     `json:"documents,omitempty"`
	Recipients    *Recipients    `json:"recipients,omitempty"`
	CustomFields  *CustomFields  `json:"customFields,omitempty"`
	Notification  *Notification  `json:"notification,omitempty"`
	BrandID       string         `json:"brandId,omitempty"`
	AllowMarkup   string         `json:"allowMarkup,omitempty"`
	AllowReassign string         `json:"allowReassign,omitempty"`
	// EnvelopeIDStamping is "true" or "false": whether the envelope id is stamped on each page.
	EnvelopeIDStamping string `json:"envelopeIdStamping,omitempty"`
	// ExternalEnvelopeID is an id of the caller's own system, kept with the envelope.
	ExternalEnvelopeID string `json:"externalEnvelopeId,omitempty"`
}

// Document is one document of an envelope definition or a template (the document definition).
// DocumentID is a string that must hold a positive integer below 2,147,483,647.
type Document struct {
	DocumentID     string `json:"documentId,omitempty"`
	Name           string `json:"name,omitempty"`
	FileExtension  string `json:"fileExtension,omitempty"`
	DocumentBase64 string `json:"documentBase64,omitempty"`
	Order          string `json:"order,omitempty"`
	// Pages is the page count as a string, as Docusign returns it for template documents.
	Pages              string `json:"pages,omitempty"`
	URI                string `json:"uri,omitempty"`
	RemoteURL          string `json:"remoteUrl,omitempty"`
	TransformPDFFields string `json:"transformPdfFields,omitempty"`
	IncludeInDownload  string `json:"includeInDownload,omitempty"`
}

// Recipients lists an envelope's recipients by type (the recipients definition). Only signers and
// carbon copies are modelled, so other recipient types in a response are dropped.
type Recipients struct {
	Signers             []Signer      `json:"signers,omitempty"`
	CarbonCopies        []CarbonCopy  `json:"carbonCopies,omitempty"`
	RecipientCount      string        `json:"recipientCount,omitempty"`
	CurrentRoutingOrder string        `json:"currentRoutingOrder,omitempty"`
	ErrorDetails        *ErrorDetails `json:"errorDetails,omitempty"`
}

// Signer is a recipient who must sign (the signer definition). RecipientID is a string that
// contains a positive integer. RecipientIDGUID is the id that Connect messages use.
type Signer struct {
	RecipientID       string        `json:"recipientId,omitempty"`
	RecipientIDGUID   string        `json:"recipientIdGuid,omitempty"`
	RecipientType     string        `json:"recipientType,omitempty"`
	RoutingOrder      string        `json:"routingOrder,omitempty"`
	Email             string        `json:"email,omitempty"`
	Name              string        `json:"name,omitempty"`
	RoleName          string        `json:"roleName,omitempty"`
	ClientUserID      string        `json:"clientUserId,omitempty"`
	Note              string        `json:"note,omitempty"`
	Status            string        `json:"status,omitempty"`
	DeliveryMethod    string        `json:"deliveryMethod,omitempty"`
	SentDateTime      string        `json:"sentDateTime,omitempty"`
	DeliveredDateTime string        `json:"deliveredDateTime,omitempty"`
	SignedDateTime    string        `json:"signedDateTime,omitempty"`
	DeclinedDateTime  string        `json:"declinedDateTime,omitempty"`
	DeclinedReason    string        `json:"declinedReason,omitempty"`
	CompletedCount    string        `json:"completedCount,omitempty"`
	Tabs              *Tabs         `json:"tabs,omitempty"`
	ErrorDetails      *ErrorDetails `json:"errorDetails,omitempty"`
}

// CarbonCopy is a recipient who receives a copy and does not sign (the carbonCopy definition).
type CarbonCopy struct {
	RecipientID       string        `json:"recipientId,omitempty"`
	RecipientIDGUID   string        `json:"recipientIdGuid,omitempty"`
	RecipientType     string        `json:"recipientType,omitempty"`
	RoutingOrder      string        `json:"routingOrder,omitempty"`
	Email             string        `json:"email,omitempty"`
	Name              string        `json:"name,omitempty"`
	RoleName          string        `json:"roleName,omitempty"`
	Note              string        `json:"note,omitempty"`
	Status            string        `json:"status,omitempty"`
	DeliveryMethod    string        `json:"deliveryMethod,omitempty"`
	SentDateTime      string        `json:"sentDateTime,omitempty"`
	DeliveredDateTime string        `json:"deliveredDateTime,omitempty"`
	SignedDateTime    string        `json:"signedDateTime,omitempty"`
	DeclinedDateTime  string        `json:"declinedDateTime,omitempty"`
	DeclinedReason    string        `json:"declinedReason,omitempty"`
	Tabs              *Tabs         `json:"tabs,omitempty"`
	ErrorDetails      *ErrorDetails `json:"errorDetails,omitempty"`
}

// Tabs groups a recipient's tabs (fields placed on documents) by tab type (the tabs definition).
type Tabs struct {
	SignHereTabs     []Tab `json:"signHereTabs,omitempty"`
	InitialHereTabs  []Tab `json:"initialHereTabs,omitempty"`
	DateSignedTabs   []Tab `json:"dateSignedTabs,omitempty"`
	FullNameTabs     []Tab `json:"fullNameTabs,omitempty"`
	TextTabs         []Tab `json:"textTabs,omitempty"`
	CheckboxTabs     []Tab `json:"checkboxTabs,omitempty"`
	EmailAddressTabs []Tab `json:"emailAddressTabs,omitempty"`
	CompanyTabs      []Tab `json:"companyTabs,omitempty"`
	TitleTabs        []Tab `json:"titleTabs,omitempty"`
	DateTabs         []Tab `json:"dateTabs,omitempty"`
	NumberTabs       []Tab `json:"numberTabs,omitempty"`
}

// Tab is one field on a document. Docusign defines one type per tab kind (signHere, text, ...).
// This struct contains the members that those kinds share, plus Value, Required, Locked and
// Selected, which only some kinds accept. A tab is placed either by anchor (AnchorString, with
// offsets in AnchorUnits) or by DocumentID, PageNumber, XPosition and YPosition in pixels.
type Tab struct {
	TabID           string `json:"tabId,omitempty"`
	TabLabel        string `json:"tabLabel,omitempty"`
	TabType         string `json:"tabType,omitempty"`
	Name            string `json:"name,omitempty"`
	Value           string `json:"value,omitempty"`
	Required        string `json:"required,omitempty"`
	Locked          string `json:"locked,omitempty"`
	Optional        string `json:"optional,omitempty"`
	Selected        string `json:"selected,omitempty"`
	Tooltip         string `json:"tooltip,omitempty"`
	Width           string `json:"width,omitempty"`
	Height          string `json:"height,omitempty"`
	ScaleValue      string `json:"scaleValue,omitempty"`
	Status          string `json:"status,omitempty"`
	RecipientID     string `json:"recipientId,omitempty"`
	RecipientIDGUID string `json:"recipientIdGuid,omitempty"`
	DocumentID      string `json:"documentId,omitempty"`
	PageNumber      string `json:"pageNumber,omitempty"`
	XPosition       string `json:"xPosition,omitempty"`
	YPosition       string `json:"yPosition,omitempty"`
	AnchorString    string `json:"anchorString,omitempty"`
	AnchorXOffset   string `json:"anchorXOffset,omitempty"`
	AnchorYOffset   string `json:"anchorYOffset,omitempty"`
	// AnchorUnits is the unit of the anchor offsets: pixels, inches, mms or cms.
	AnchorUnits string `json:"anchorUnits,omitempty"`
	// AnchorIgnoreIfNotPresent is "true" to skip the tab when the anchor text is absent.
	AnchorIgnoreIfNotPresent string        `json:"anchorIgnoreIfNotPresent,omitempty"`
	AnchorCaseSensitive      string        `json:"anchorCaseSensitive,omitempty"`
	AnchorMatchWholeWord     string        `json:"anchorMatchWholeWord,omitempty"`
	ErrorDetails             *ErrorDetails `json:"errorDetails,omitempty"`
}

// TemplateRole fills one role of a server template when an envelope is created from it (the
// templateRole definition).
type TemplateRole struct {
	RoleName     string `json:"roleName,omitempty"`
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	ClientUserID string `json:"clientUserId,omitempty"`
	RoutingOrder string `json:"routingOrder,omitempty"`
	AccessCode   string `json:"accessCode,omitempty"`
	Tabs         *Tabs  `json:"tabs,omitempty"`
}

// CustomFields contains an envelope's custom fields (the customFields definition). Names and
// values are at most 100 characters.
type CustomFields struct {
	TextCustomFields []TextCustomField `json:"textCustomFields,omitempty"`
	ListCustomFields []ListCustomField `json:"listCustomFields,omitempty"`
}

// TextCustomField is a free-text envelope custom field (the textCustomField definition).
type TextCustomField struct {
	FieldID      string        `json:"fieldId,omitempty"`
	Name         string        `json:"name,omitempty"`
	Value        string        `json:"value,omitempty"`
	Show         string        `json:"show,omitempty"`
	Required     string        `json:"required,omitempty"`
	ErrorDetails *ErrorDetails `json:"errorDetails,omitempty"`
}

// ListCustomField is an envelope custom field whose value is one of ListItems (the
// listCustomField definition).
type ListCustomField struct {
	FieldID      string        `json:"fieldId,omitempty"`
	Name         string        `json:"name,omitempty"`
	Value        string        `json:"value,omitempty"`
	ListItems    []string      `json:"listItems,omitempty"`
	Show         string        `json:"show,omitempty"`
	Required     string        `json:"required,omitempty"`
	ErrorDetails *ErrorDetails `json:"errorDetails,omitempty"`
}

// Notification contains an envelope's reminder and expiration settings (the notification
// definition). Set UseAccountDefaults to "false", or Docusign ignores Expirations and Reminders.
type Notification struct {
	UseAccountDefaults string       `json:"useAccountDefaults,omitempty"`
	Expirations        *Expirations `json:"expirations,omitempty"`
	Reminders          *Reminders   `json:"reminders,omitempty"`
}

// Expirations sets when an envelope expires (the expirations definition). ExpireAfter and
// ExpireWarn are numbers of days, as strings.
type Expirations struct {
	ExpireEnabled string `json:"expireEnabled,omitempty"`
	ExpireAfter   string `json:"expireAfter,omitempty"`
	ExpireWarn    string `json:"expireWarn,omitempty"`
}

// Reminders sets the reminder emails of an envelope (the reminders definition). ReminderDelay
// and ReminderFrequency are numbers of days, as strings.
type Reminders struct {
	ReminderEnabled   string `json:"reminderEnabled,omitempty"`
	ReminderDelay     string `json:"reminderDelay,omitempty"`
	ReminderFrequency string `json:"reminderFrequency,omitempty"`
}

// EnvelopeSummary is the response of Envelopes:create (the envelopeSummary definition). URI is
// relative to the account's REST base, as in "/envelopes/{envelopeId}".
type EnvelopeSummary struct {
	EnvelopeID     string        `json:"envelopeId,omitempty"`
	Status         string        `json:"status,omitempty"`
	StatusDateTime string        `json:"statusDateTime,omitempty"`
	URI            string        `json:"uri,omitempty"`
	ErrorDetails   *ErrorDetails `json:"errorDetails,omitempty"`
}

// Envelope is an envelope as Envelopes:get and Envelopes:listStatusChanges return it (the
// envelope definition). Status is Docusign's raw status, an open set that includes created,
// sent, delivered, signed, completed, declined, voided, correct, deleted and timedout.
type Envelope struct {
	EnvelopeID            string             `json:"envelopeId,omitempty"`
	Status                string             `json:"status,omitempty"`
	EmailSubject          string             `json:"emailSubject,omitempty"`
	EmailBlurb            string             `json:"emailBlurb,omitempty"`
	EnvelopeURI           string             `json:"envelopeUri,omitempty"`
	CreatedDateTime       string             `json:"createdDateTime,omitempty"`
	SentDateTime          string             `json:"sentDateTime,omitempty"`
	InitialSentDateTime   string             `json:"initialSentDateTime,omitempty"`
	DeliveredDateTime     string             `json:"deliveredDateTime,omitempty"`
	CompletedDateTime     string             `json:"completedDateTime,omitempty"`
	DeclinedDateTime      string             `json:"declinedDateTime,omitempty"`
	VoidedDateTime        string             `json:"voidedDateTime,omitempty"`
	VoidedReason          string             `json:"voidedReason,omitempty"`
	DeletedDateTime       string             `json:"deletedDateTime,omitempty"`
	LastModifiedDateTime  string             `json:"lastModifiedDateTime,omitempty"`
	StatusChangedDateTime string             `json:"statusChangedDateTime,omitempty"`
	ExpireEnabled         string             `json:"expireEnabled,omitempty"`
	ExpireAfter           string             `json:"expireAfter,omitempty"`
	ExpireDateTime        string             `json:"expireDateTime,omitempty"`
	PurgeState            string             `json:"purgeState,omitempty"`
	DocumentsURI          string             `json:"documentsUri,omitempty"`
	RecipientsURI         string             `json:"recipientsUri,omitempty"`
	CustomFieldsURI       string             `json:"customFieldsUri,omitempty"`
	CertificateURI        string             `json:"certificateUri,omitempty"`
	DocumentsCombinedURI  string             `json:"documentsCombinedUri,omitempty"`
	Sender                *AccountUser       `json:"sender,omitempty"`
	Recipients            *Recipients        `json:"recipients,omitempty"`
	CustomFields          *CustomFields      `json:"customFields,omitempty"`
	Notification          *Notification      `json:"notification,omitempty"`
	EnvelopeDocuments     []EnvelopeDocument `json:"envelopeDocuments,omitempty"`
	TemplatesURI          string             `json:"templatesUri,omitempty"`
	BrandID               string             `json:"brandId,omitempty"`
	ExternalEnvelopeID    string             `json:"externalEnvelopeId,omitempty"`
}

// EnvelopesInformation is the response of Envelopes:listStatusChanges (the envelopesInformation
// definition). NextURI and PreviousURI are relative page links, empty on the last or first page.
type EnvelopesInformation struct {
	Envelopes           []Envelope `json:"envelopes,omitempty"`
	ResultSetSize       string     `json:"resultSetSize,omitempty"`
	TotalSetSize        string     `json:"totalSetSize,omitempty"`
	StartPosition       string     `json:"startPosition,omitempty"`
	EndPosition         string     `json:"endPosition,omitempty"`
	NextURI             string     `json:"nextUri,omitempty"`
	PreviousURI         string     `json:"previousUri,omitempty"`
	ContinuationToken   string     `json:"continuationToken,omitempty"`
	LastQueriedDateTime string     `json:"lastQueriedDateTime,omitempty"`
}

// EnvelopeUpdateSummary is the response of Envelopes:update, which Void and Resend call (the
// envelopeUpdateSummary definition). A 200 response can still carry ErrorDetails.
type EnvelopeUpdateSummary struct {
	EnvelopeID             string                    `json:"envelopeId,omitempty"`
	PurgeState             string                    `json:"purgeState,omitempty"`
	ErrorDetails           *ErrorDetails             `json:"errorDetails,omitempty"`
	LockInformation        *LockInformation          `json:"lockInformation,omitempty"`
	RecipientUpdateResults []RecipientUpdateResponse `json:"recipientUpdateResults,omitempty"`
}

// LockInformation describes an edit lock on an envelope (the lockInformation definition).
type LockInformation struct {
	LockType              string        `json:"lockType,omitempty"`
	LockedByApp           string        `json:"lockedByApp,omitempty"`
	LockedUntilDateTime   string        `json:"lockedUntilDateTime,omitempty"`
	LockDurationInSeconds string        `json:"lockDurationInSeconds,omitempty"`
	ErrorDetails          *ErrorDetails `json:"errorDetails,omitempty"`
}

// RecipientUpdateResponse is the result for one recipient of an envelope or recipients update
// (the recipientUpdateResponse definition).
type RecipientUpdateResponse struct {
	RecipientID     string        `json:"recipientId,omitempty"`
	RecipientIDGUID string        `json:"recipientIdGuid,omitempty"`
	ErrorDetails    *ErrorDetails `json:"errorDetails,omitempty"`
}

// EnvelopeDocumentsResult is the response of EnvelopeDocuments:list (the envelopeDocumentsResult
// definition).
type EnvelopeDocumentsResult struct {
	EnvelopeID        string             `json:"envelopeId,omitempty"`
	EnvelopeDocuments []EnvelopeDocument `json:"envelopeDocuments,omitempty"`
}

// EnvelopeDocument is one document of an envelope (the envelopeDocument definition). Type is
// "content" for uploaded documents and "summary" for the certificate of completion, whose
// DocumentID is "certificate".
type EnvelopeDocument struct {
	DocumentID        string        `json:"documentId,omitempty"`
	DocumentIDGUID    string        `json:"documentIdGuid,omitempty"`
	Name              string        `json:"name,omitempty"`
	Type              string        `json:"type,omitempty"`
	URI               string        `json:"uri,omitempty"`
	Order             string        `json:"order,omitempty"`
	Pages             []Page        `json:"pages,omitempty"`
	Display           string        `json:"display,omitempty"`
	IncludeInDownload string        `json:"includeInDownload,omitempty"`
	SizeBytes         string        `json:"sizeBytes,omitempty"`
	AuthoritativeCopy string        `json:"authoritativeCopy,omitempty"`
	ErrorDetails      *ErrorDetails `json:"errorDetails,omitempty"`
}

// Page is one page of an envelope document (the page definition). Height and Width are in
// pixels at DPI dots per inch.
type Page struct {
	PageID   string `json:"pageId,omitempty"`
	Sequence string `json:"sequence,omitempty"`
	Height   string `json:"height,omitempty"`
	Width    string `json:"width,omitempty"`
	DPI      string `json:"dpi,omitempty"`
}

// EnvelopeTemplateResults is the response of Templates:list (the envelopeTemplateResults
// definition). Docusign returns at most 2,000 templates.
type EnvelopeTemplateResults struct {
	EnvelopeTemplates []EnvelopeTemplate `json:"envelopeTemplates,omitempty"`
	ResultSetSize     string             `json:"resultSetSize,omitempty"`
	TotalSetSize      string             `json:"totalSetSize,omitempty"`
	StartPosition     string             `json:"startPosition,omitempty"`
	EndPosition       string             `json:"endPosition,omitempty"`
	NextURI           string             `json:"nextUri,omitempty"`
	PreviousURI       string             `json:"previousUri,omitempty"`
}

// EnvelopeTemplate is a server template as Templates:list and Templates:get return it (the
// envelopeTemplate definition). Its recipients carry the RoleName values that TemplateRole uses.
type EnvelopeTemplate struct {
	TemplateID   string        `json:"templateId,omitempty"`
	Name         string        `json:"name,omitempty"`
	Description  string        `json:"description,omitempty"`
	Shared       string        `json:"shared,omitempty"`
	FolderID     string        `json:"folderId,omitempty"`
	FolderName   string        `json:"folderName,omitempty"`
	Owner        *AccountUser  `json:"owner,omitempty"`
	PageCount    string        `json:"pageCount,omitempty"`
	Created      string        `json:"created,omitempty"`
	LastModified string        `json:"lastModified,omitempty"`
	LastUsed     string        `json:"lastUsed,omitempty"`
	URI          string        `json:"uri,omitempty"`
	Status       string        `json:"status,omitempty"`
	EmailSubject string        `json:"emailSubject,omitempty"`
	EmailBlurb   string        `json:"emailBlurb,omitempty"`
	Documents    []Document    `json:"documents,omitempty"`
	Recipients   *Recipients   `json:"recipients,omitempty"`
	CustomFields *CustomFields `json:"customFields,omitempty"`
	Notification *Notification `json:"notification,omitempty"`
}

// AccountInformation is the response of Accounts:get (the accountInformation definition).
type AccountInformation struct {
	AccountIDGUID                 string `json:"accountIdGuid,omitempty"`
	AccountName                   string `json:"accountName,omitempty"`
	ExternalAccountID             string `json:"externalAccountId,omitempty"`
	PlanName                      string `json:"planName,omitempty"`
	CurrentPlanID                 string `json:"currentPlanId,omitempty"`
	PlanStartDate                 string `json:"planStartDate,omitempty"`
	PlanEndDate                   string `json:"planEndDate,omitempty"`
	BillingPeriodStartDate        string `json:"billingPeriodStartDate,omitempty"`
	BillingPeriodEndDate          string `json:"billingPeriodEndDate,omitempty"`
	BillingPeriodEnvelopesSent    string `json:"billingPeriodEnvelopesSent,omitempty"`
	BillingPeriodEnvelopesAllowed string `json:"billingPeriodEnvelopesAllowed,omitempty"`
	EnvelopeSendingBlocked        string `json:"envelopeSendingBlocked,omitempty"`
	SuspensionStatus              string `json:"suspensionStatus,omitempty"`
	SuspensionDate                string `json:"suspensionDate,omitempty"`
	CreatedDate                   string `json:"createdDate,omitempty"`
	CurrencyCode                  string `json:"currencyCode,omitempty"`
	Status21CFRPart11             string `json:"status21CFRPart11,omitempty"`
}

// AccountUser is a user of an account as the REST API embeds it, for example an envelope's
// sender or a template's owner (Docusign's userInfo definition, not the /oauth/userinfo
// response, which is UserInfo).
type AccountUser struct {
	UserID     string `json:"userId,omitempty"`
	UserName   string `json:"userName,omitempty"`
	Email      string `json:"email,omitempty"`
	AccountID  string `json:"accountId,omitempty"`
	UserStatus string `json:"userStatus,omitempty"`
	UserType   string `json:"userType,omitempty"`
}

// ErrorDetails is Docusign's error body and the per-item error of multi-item responses (the
// errorDetails definition). ErrorCode is an UPPER_SNAKE constant such as ENVELOPE_DOES_NOT_EXIST.
type ErrorDetails struct {
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
}

// UserInfo is the response of GET /oauth/userinfo: the user behind a token and the accounts that
// user belongs to. Its keys are snake_case, unlike the REST API's.
type UserInfo struct {
	Sub        string            `json:"sub,omitempty"`
	Name       string            `json:"name,omitempty"`
	GivenName  string            `json:"given_name,omitempty"`
	FamilyName string            `json:"family_name,omitempty"`
	Created    string            `json:"created,omitempty"`
	Email      string            `json:"email,omitempty"`
	Accounts   []UserInfoAccount `json:"accounts,omitempty"`
}

// UserInfoAccount is one account in a UserInfo response. BaseURI is the origin of the account's
// REST API, such as https://na3.docusign.net. The REST base is BaseURI + "/restapi".
type UserInfoAccount struct {
	AccountID   string   `json:"account_id,omitempty"`
	IsDefault   FlexBool `json:"is_default,omitempty"`
	AccountName string   `json:"account_name,omitempty"`
	BaseURI     string   `json:"base_uri,omitempty"`
}

// DownloadInfo describes a document that Documents.Download wrote. Size counts the bytes written
// and SHA256 is their lower-case hex digest. Filename comes from the Content-Disposition header
// and is empty when Docusign sent none.
type DownloadInfo struct {
	ContentType string
	Filename    string
	DocumentID  string
	Size        int64
	SHA256      string
}
