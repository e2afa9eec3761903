"""DynamoDB's error types, one class each.

The hierarchy::

    DynamoDBError                      status 400 unless a class says otherwise
    ├── coral service errors           prefix com.amazon.coral.service#
    │   ├── SerializationException         (body key "Message", capital M)
    │   ├── UnknownOperationException      (no message at all)
    │   ├── MissingAuthenticationTokenException
    │   ├── IncompleteSignatureException
    │   ├── InvalidSignatureException
    │   ├── UnrecognizedClientException
    │   ├── RequestEntityTooLarge          status 413
    │   └── AccessDeniedException          ("Message")
    ├── ValidationException            prefix com.amazon.coral.validate#
    └── dynamodb service errors        prefix com.amazonaws.dynamodb.v20120810#
        ├── ResourceNotFoundException, ResourceInUseException, LimitExceededException
        ├── ConditionalCheckFailedException   (may carry Item)
        ├── TransactionCanceledException      ("Message", CancellationReasons)
        ├── TransactionConflictException, IdempotentParameterMismatchException
        ├── ItemCollectionSizeLimitExceededException, DuplicateItemException
        ├── ExpiredIteratorException, TrimmedDataAccessException       (Streams)
        ├── TableNotFoundException, TableAlreadyExistsException,       (backups)
        │   TableInUseException
        ├── BackupNotFoundException, BackupInUseException
        └── InternalServerError               status 500

Errors are raised anywhere and rendered only by ``protocol.wire.render_error``.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

DYNAMODB_PREFIX = "com.amazonaws.dynamodb.v20120810#"
CORAL_SERVICE_PREFIX = "com.amazon.coral.service#"
CORAL_VALIDATE_PREFIX = "com.amazon.coral.validate#"


class DynamoDBError(Exception):
    """Base of every error that reaches the client as a DynamoDB error body."""

    prefix: ClassVar[str] = DYNAMODB_PREFIX
    status: ClassVar[int] = 400
    # DynamoDB spells the message key "message" for most errors and "Message" for a few.
    message_key: ClassVar[str] = "message"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message

    @property
    def code(self) -> str:
        return type(self).__name__

    def body(self) -> dict[str, Any]:
        """The JSON body DynamoDB sends for this error."""
        out: dict[str, Any] = {"__type": self.prefix + self.code}
        if self.message is not None:
            out[self.message_key] = self.message
        return out


# --- coral service errors -------------------------------------------------------------------


class SerializationException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX
    message_key = "Message"


# A B value whose base64 text is not a multiple of 4 long (the request check and the value
# decoder both refuse it).
BASE64_LENGTH = "Base64 encoded length is expected a multiple of 4 bytes but found: {}"


class UnknownOperationException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX


class MissingAuthenticationTokenException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX
    status = 400

    def __init__(self, message: str | None = "Request is missing Authentication Token") -> None:
        super().__init__(message)


class IncompleteSignatureException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX


class InvalidSignatureException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX


class UnrecognizedClientException(DynamoDBError):
    prefix = CORAL_SERVICE_PREFIX


class RequestEntityTooLarge(DynamoDBError):
    """HTTP 413 for a body over 16 MiB; DynamoDB answers it before parsing anything."""

    prefix = CORAL_SERVICE_PREFIX
    status = 413


# --- validation ------------------------------------------------------------------------------


class ValidationException(DynamoDBError):
    prefix = CORAL_VALIDATE_PREFIX


# The messages several modules raise it with.
INVALID = "One or more parameter values were invalid: "  # the prefix of many messages
KEY_MISMATCH = "The provided key element does not match the schema"
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"
# UpdateItem (and an Update in a transaction) words the same limit its own way.
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
DUPLICATE_KEYS = "Provided list of item keys contains duplicates"  # BatchGetItem, BatchWriteItem
# TransactWriteItems, TransactGetItems: two actions on one item.
DUPLICATE_TARGETS = "Transaction request cannot include multiple operations on one item"


# --- DynamoDB service errors -------------------------------------------------------------------


class ResourceNotFoundException(DynamoDBError):
    pass


NOT_FOUND = "Requested resource not found"


class ResourceInUseException(DynamoDBError):
    pass


# CreateTable answers it as ResourceInUseException, a restore as TableAlreadyExistsException.
TABLE_EXISTS = "Table already exists: {}"


class LimitExceededException(DynamoDBError):
    pass


class ConditionalCheckFailedException(DynamoDBError):
    def __init__(
        self,
        message: str = "The conditional request failed",
        item: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.item = item

    def body(self) -> dict[str, Any]:
        out = super().body()
        if self.item is not None:
            out["Item"] = self.item
        return out


class TransactionCanceledException(DynamoDBError):
    """One CancellationReason per action, in order; the message lists their codes."""

    message_key = "Message"

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        codes = ", ".join(str(reason.get("Code")) for reason in reasons)
        super().__init__(
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            f"[{codes}]"
        )
        self.reasons = reasons

    def body(self) -> dict[str, Any]:
        out = super().body()
        out["CancellationReasons"] = self.reasons
        return out


class TransactionConflictException(DynamoDBError):
    def __init__(self, message: str = "Transaction is ongoing for the item") -> None:
        super().__init__(message)


class IdempotentParameterMismatchException(DynamoDBError):
    pass


class ItemCollectionSizeLimitExceededException(DynamoDBError):
    pass


class DuplicateItemException(DynamoDBError):
    pass


class InternalServerError(DynamoDBError):
    status = 500

    def __init__(self, message: str = "Internal server error") -> None:
        super().__init__(message)


def validation_errors(problems: list[str]) -> ValidationException:
    """DynamoDB's envelope for request-shape violations ("N validation error(s) detected: ...")."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return ValidationException(f"{count} validation {noun} detected: " + "; ".join(problems))


# --- added for tags and streams --------------------------------------------------------------


class AccessDeniedException(DynamoDBError):
    """IAM's refusal; DynamoDB answers it for a tag listing on a table that does not exist."""

    prefix = CORAL_SERVICE_PREFIX
    message_key = "Message"


class ExpiredIteratorException(DynamoDBError):
    """DynamoDB Streams: a shard iterator older than 15 minutes."""


class TrimmedDataAccessException(DynamoDBError):
    """DynamoDB Streams: a sequence number past the 24-hour retention window."""


# --- added for backups -------------------------------------------------------------------------


class TableNotFoundException(DynamoDBError):
    """Backup operations name a missing table with this, not ResourceNotFoundException."""


class TableAlreadyExistsException(DynamoDBError):
    """RestoreTableFromBackup onto a table name that is taken."""


class TableInUseException(DynamoDBError):
    """CreateBackup of a table that is still being created (restored)."""


class BackupNotFoundException(DynamoDBError):
    pass


class BackupInUseException(DynamoDBError):
    """A backup still being created (or otherwise busy) cannot be restored or deleted."""


# --- not DynamoDB's: the host's (why `ddblite serve` cannot start) -----------------------------


class ExitCode(enum.IntEnum):
    """``ddblite serve``'s exit status for each way it can fail to start (docs/server.md)."""

    OK = 0  # served, then stopped by SIGINT or SIGTERM
    USAGE = 2  # argparse's own: an unknown flag or a value of the wrong type
    BAD_SETTING = 3  # a flag or DDBLITE_* value out of range (--port 99999, DDBLITE_PORT=abc)
    DB_IS_DIRECTORY = 4
    DB_DIRECTORY_MISSING = 5
    DB_READ_ONLY = 6
    DB_NOT_SQLITE = 7  # --db names a file that is not a SQLite database
    DB_NOT_DDBLITE = 8  # --db names a SQLite database some other program made
    DB_IN_USE = 9  # another ddblite process serves that file
    DB_TOO_NEW = 10  # written by a newer ddblite
    PORT_UNAVAILABLE = 11  # the port is taken, or the address cannot be bound
    POSTGRES_UNREACHABLE = 12
    MISSING_DRIVER = 13  # a postgresql:// URL without ddblite[postgres]
    CREDENTIALS = 14  # --auth / --credentials that do not go together, or a bad file
    DESCRIPTOR_LIMIT = 15  # ulimit -n too low to serve at all


class StartupError(Exception):
    """A reason the server cannot start: printed as one line, the process exits with
    ``exit_code``."""

    exit_code: ClassVar[ExitCode]


class BadSetting(StartupError, ValueError):
    exit_code = ExitCode.BAD_SETTING


class DatabaseIsDirectory(StartupError):
    exit_code = ExitCode.DB_IS_DIRECTORY


class DatabaseDirectoryMissing(StartupError):
    exit_code = ExitCode.DB_DIRECTORY_MISSING


class DatabaseReadOnly(StartupError):
    exit_code = ExitCode.DB_READ_ONLY


class NotSQLite(StartupError):
    exit_code = ExitCode.DB_NOT_SQLITE


class NotDdbliteDatabase(StartupError):
    exit_code = ExitCode.DB_NOT_DDBLITE


class DatabaseTooNew(StartupError):
    exit_code = ExitCode.DB_TOO_NEW


class PortUnavailable(StartupError):
    exit_code = ExitCode.PORT_UNAVAILABLE


class PostgresUnreachable(StartupError):
    exit_code = ExitCode.POSTGRES_UNREACHABLE


class MissingDriver(StartupError, ModuleNotFoundError):
    exit_code = ExitCode.MISSING_DRIVER


class DatabaseInUse(StartupError):
    """Another process has the SQLite file open (storage.sqlite.lock); raised when opening."""

    exit_code = ExitCode.DB_IN_USE


class DescriptorLimit(StartupError):
    exit_code = ExitCode.DESCRIPTOR_LIMIT
