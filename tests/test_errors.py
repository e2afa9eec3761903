"""ddblite.errors: the bodies the classes that build their own messages send."""

from __future__ import annotations

from ddblite.errors import TransactionCanceledException, TransactionConflictException


def test_a_cancellation_lists_its_reasons_codes_in_its_message() -> None:
    reasons = [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]
    assert TransactionCanceledException(reasons).body() == {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]",
        "CancellationReasons": reasons,
    }


def test_a_conflict_says_the_item_is_in_a_transaction() -> None:
    assert TransactionConflictException().body() == {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
        "message": "Transaction is ongoing for the item",
    }
