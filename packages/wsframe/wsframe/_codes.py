"""Named close codes, loaded on first use of ``wsframe.CloseReason``."""


class CloseReason:
    """Close status codes (RFC 6455 section 7.4.1, plus the IANA registry's 1012-1014)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    # 1004 is reserved and never sent.
    NO_STATUS_RCVD = 1005  # local only: the close frame had no code
    ABNORMAL_CLOSURE = 1006  # local only: the transport closed without a close frame
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008  # also: a message that makes no progress (empty fragments)
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE_FAILED = 1015  # local only
