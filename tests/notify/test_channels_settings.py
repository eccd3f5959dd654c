"""Channel configs are built from the settings (never the environment) and checked there."""

from __future__ import annotations

from pathlib import Path

import pytest

from booking_api.cli import main
from booking_api.settings import Settings, SettingsError
from notify.channels.email import EmailConfig
from notify.channels.push import PushConfig
from notify.channels.sms import SmsConfig
from notify.channels.voice import VoiceConfig


def test_vapid_keys_command_prints_a_pair_the_settings_accept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``noriai vapid-keys`` prints env lines; a Settings built from them yields a PushConfig."""
    assert main(["vapid-keys"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    settings = Settings(
        vapid_private_key=lines["NORIAI_VAPID_PRIVATE_KEY"],
        vapid_public_key=lines["NORIAI_VAPID_PUBLIC_KEY"],
        vapid_subject="mailto:office@example.jp",
    )
    config = settings.push_config()
    assert isinstance(config, PushConfig)
    assert config.vapid_public_key == lines["NORIAI_VAPID_PUBLIC_KEY"]


def test_unset_channels_are_off() -> None:
    """A channel without its URL, host or key is None: the notifier does not offer it."""
    settings = Settings(vapid_private_key="", sms_url="", voice_url="", smtp_host="")
    assert [
        settings.push_config(),
        settings.sms_config(),
        settings.voice_config(),
        settings.email_config(),
    ] == [None, None, None, None]


def test_channel_settings_become_configs() -> None:
    """SMS, voice and SMTP settings land in their frozen configs unchanged."""
    settings = Settings(
        sms_url="https://sms.example.jp/v1",
        sms_key="k",
        sms_sender="KAMISU",
        voice_url="https://voice.example.jp",
        voice_key="vk",
        voice_caller_id="+81299000000",
        smtp_host="smtp.example.jp",
        smtp_port=2525,
        smtp_from="のりあい <noreply@example.jp>",
        smtp_starttls=False,
    )
    assert settings.sms_config() == SmsConfig("https://sms.example.jp/v1", "k", "KAMISU")
    assert settings.voice_config() == VoiceConfig("https://voice.example.jp", "vk", "+81299000000")
    assert settings.email_config() == EmailConfig(
        "smtp.example.jp", 2525, "のりあい <noreply@example.jp>", starttls=False
    )


def test_a_wrong_channel_setting_names_the_settings() -> None:
    """A bad value is a SettingsError that says which NORIAI_* settings to fix."""
    with pytest.raises(SettingsError, match="NORIAI_SMS_"):
        Settings(sms_url="sms.example.jp").sms_config()
    with pytest.raises(SettingsError, match="NORIAI_VAPID_"):
        Settings(vapid_private_key="abc", vapid_subject="mailto:a@b.jp").push_config()


def test_smtp_tls_settings_become_the_email_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """NORIAI_SMTP_TLS / _VERIFY_CERTS / _CA_FILE reach the config; verification is on by
    default; a CA file that is not there names the settings."""
    ca = str(tmp_path / "ca.pem")
    Path(ca).touch()
    monkeypatch.setenv("NORIAI_SMTP_TLS", "true")
    monkeypatch.setenv("NORIAI_SMTP_CA_FILE", ca)
    settings = Settings(smtp_host="smtp.example.jp", smtp_port=465,
                        smtp_from="のりあい <noreply@example.jp>")  # fmt: skip
    config = settings.email_config()
    assert (config.implicit_tls, config.verify_certs, config.ca_file) == (True, True, ca)
    monkeypatch.setenv("NORIAI_SMTP_CA_FILE", f"{tmp_path}/missing.pem")
    with pytest.raises(SettingsError, match=r"NORIAI_SMTP_.*CA file"):
        Settings(smtp_host="smtp.example.jp", smtp_from="a <n@example.jp>").email_config()


def test_sms_receipts_are_asked_for_at_the_public_url_with_a_long_secret() -> None:
    """With a receipt secret each SMS names the service's receipt URL; a short one is refused."""
    base = {"sms_url": "https://sms.example.jp/v1", "sms_key": "k", "sms_sender": "KAMISU",
            "public_url": "https://noriai.example.jp/"}  # fmt: skip
    assert Settings(**base).sms_config().receipt_url == ""  # type: ignore[arg-type]
    on = Settings(**base, sms_receipt_secret="s" * 16)  # type: ignore[arg-type]
    assert on.sms_config().receipt_url == "https://noriai.example.jp/api/v1/receipts/sms"
    with pytest.raises(ValueError, match="NORIAI_SMS_RECEIPT_SECRET is shorter"):
        Settings(**base, sms_receipt_secret="short")  # type: ignore[arg-type]
