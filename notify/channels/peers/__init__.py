"""Local stand-ins for the providers, speaking their real protocols on 127.0.0.1.

Used by the channel tests, the notifier's fault tests and ``make demo``. Each runs in a
thread of the calling process: ``with SmsGatewayPeer() as sms: ...`` or ``start()``/
``stop()``; ``down()``/``up()`` close and reopen the same port.
"""

from notify.channels.peers.local import LocalProviders as LocalProviders
from notify.channels.peers.push import PushRecord as PushRecord
from notify.channels.peers.push import PushServicePeer as PushServicePeer
from notify.channels.peers.sms import SmsGatewayPeer as SmsGatewayPeer
from notify.channels.peers.sms import SmsRecord as SmsRecord
from notify.channels.peers.smtp import EmailRecord as EmailRecord
from notify.channels.peers.smtp import SmtpPeer as SmtpPeer
from notify.channels.peers.voice import CallRecord as CallRecord
from notify.channels.peers.voice import VoiceProviderPeer as VoiceProviderPeer
