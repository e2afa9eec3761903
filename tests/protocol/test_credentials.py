"""protocol/credentials.py: the AWS shared-credentials file --auth sigv4 reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ddblite.protocol.credentials import CredentialsError, Principal, load_credentials


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "credentials"
    path.write_text(text)
    return path


def test_profiles_become_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[default]
aws_access_key_id = AKIAONE
aws_secret_access_key = secret-one
aws_account_id = 111111111111

[two]
aws_access_key_id=AKIATWO
aws_secret_access_key=secret/two+x

[temp]
aws_access_key_id = ASIATEMP
aws_secret_access_key = secret-temp
aws_session_token = token-temp

[sso]
sso_session = my-sso
""",
    )
    assert load_credentials(path) == {
        "AKIAONE": Principal("AKIAONE", "secret-one", None, "111111111111"),
        "AKIATWO": Principal("AKIATWO", "secret/two+x", None, "000000000000"),
        "ASIATEMP": Principal("ASIATEMP", "secret-temp", "token-temp", "000000000000"),
    }


def test_the_same_key_twice_alike_is_fine(tmp_path: Path) -> None:
    profile = "aws_access_key_id = K\naws_secret_access_key = S\n"
    path = write(tmp_path, f"[a]\n{profile}[b]\n{profile}")
    assert list(load_credentials(path)) == ["K"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[a]\naws_access_key_id = K\n", "profile [a] has no aws_secret_access_key"),
        (
            "[a]\naws_access_key_id = K\naws_secret_access_key = S\naws_account_id = 12\n",
            "profile [a] has aws_account_id '12', not 12 digits",
        ),
        (
            "[a]\naws_access_key_id = K\naws_secret_access_key = S\n"
            "[b]\naws_access_key_id = K\naws_secret_access_key = T\n",
            "access key K appears twice with different secrets, tokens or accounts (profile [b])",
        ),
        ("[sso]\nsso_session = x\n", "no profile has an aws_access_key_id"),
    ],
)
def test_unusable_files_say_why(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CredentialsError) as info:
        load_credentials(path)
    assert str(info.value) == f"{path}: {problem}"


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"^cannot read credentials file .*missing"):
        load_credentials(tmp_path / "missing")
    with pytest.raises(CredentialsError, match=r"^cannot read credentials file"):
        load_credentials(write(tmp_path, "no section header\n"))
