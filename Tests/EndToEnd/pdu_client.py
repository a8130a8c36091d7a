"""A DICOM association requestor written at the PDU level (PS3.8), for tests that need what
pynetdicom and DCMTK do not offer. It stops in the middle of a message, aborts at a chosen
byte, reads the A-ASSOCIATE-AC as sent and runs hundreds of associations per second. It also
encodes data sets element by element, so a test controls every byte it sends."""

import socket
import struct
from dataclasses import dataclass, field

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
IMPLICIT_VR_LE = "1.2.840.10008.1.2"
VERIFICATION = "1.2.840.10008.1.1"

# Value representations whose explicit VR header has two reserved bytes and a 4-byte length.
LONG_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"}

PDU_ASSOCIATE_RQ = 0x01
PDU_ASSOCIATE_AC = 0x02
PDU_ASSOCIATE_RJ = 0x03
PDU_DATA = 0x04
PDU_RELEASE_RQ = 0x05
PDU_RELEASE_RP = 0x06
PDU_ABORT = 0x07


# ---- Data sets ----

def uid_value(uid: str) -> bytes:
    """Encodes a UID, padded with a NUL byte to an even length."""
    raw = uid.encode("ascii")
    return raw + b"\0" if len(raw) % 2 else raw


def text_value(text: str | bytes, encoding: str = "ascii") -> bytes:
    """Encodes a string value, padded with a space to an even length."""
    raw = text if isinstance(text, bytes) else text.encode(encoding)
    return raw + b" " if len(raw) % 2 else raw


def encode_element(tag: int, vr: str, value: bytes, explicit: bool) -> bytes:
    """Encodes one element in little endian, with its value exactly as given (no padding)."""
    header = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    if not explicit:
        return header + struct.pack("<I", len(value)) + value
    if vr in LONG_VRS:
        return header + vr.encode("ascii") + b"\0\0" + struct.pack("<I", len(value)) + value
    return header + vr.encode("ascii") + struct.pack("<H", len(value)) + value


def encode_data_set(elements: list[tuple[int, str, bytes]], explicit: bool) -> bytes:
    """Encodes `(tag, VR, value)` elements in ascending tag order, as PS3.5 requires."""
    ordered = sorted(elements, key=lambda element: element[0])
    return b"".join(encode_element(tag, vr, value, explicit) for tag, vr, value in ordered)


def file_meta_information(sop_class: str, sop_instance: str, transfer_syntax: str) -> bytes:
    """Encodes a preamble, "DICM" and File Meta Information, for a file that pynetdicom
    sends with its data set unchanged."""
    elements = [
        (0x00020001, "OB", b"\0\1"),
        (0x00020002, "UI", uid_value(sop_class)),
        (0x00020003, "UI", uid_value(sop_instance)),
        (0x00020010, "UI", uid_value(transfer_syntax)),
        (0x00020012, "UI", uid_value("1.2.826.0.1.3680043.8.498.1")),
    ]
    body = encode_data_set(elements, explicit=True)
    group_length = encode_element(0x00020000, "UL", struct.pack("<I", len(body)), True)
    return b"\0" * 128 + b"DICM" + group_length + body


def data_set_of_file(path) -> bytes:
    """Returns the bytes after the File Meta Information of a PS3.10 file."""
    with open(path, "rb") as file:
        content = file.read()
    if content[128:132] != b"DICM":
        raise ValueError(f"{path} has no DICM prefix at byte 128")
    tag, vr, length = struct.unpack_from("<I2sH", content, 132)
    if tag != 0x00000002 or vr != b"UL" or length != 4:
        raise ValueError(f"{path} does not start its File Meta Information with a group length")
    (group_length,) = struct.unpack_from("<I", content, 140)
    return content[144 + group_length:]


# ---- Commands ----

def encode_command(elements: list[tuple[int, str, bytes]]) -> bytes:
    """Encodes a command set in Implicit VR Little Endian with its group length first."""
    body = encode_data_set(elements, explicit=False)
    return encode_element(0x00000000, "UL", struct.pack("<I", len(body)), False) + body


def echo_request(message_id: int) -> bytes:
    return encode_command([
        (0x00000002, "UI", uid_value(VERIFICATION)),
        (0x00000100, "US", struct.pack("<H", 0x0030)),
        (0x00000110, "US", struct.pack("<H", message_id)),
        (0x00000800, "US", struct.pack("<H", 0x0101)),
    ])


def store_request(message_id: int, sop_class: str, sop_instance: str) -> bytes:
    return encode_command([
        (0x00000002, "UI", uid_value(sop_class)),
        (0x00000100, "US", struct.pack("<H", 0x0001)),
        (0x00000110, "US", struct.pack("<H", message_id)),
        (0x00000700, "US", struct.pack("<H", 0)),
        (0x00000800, "US", struct.pack("<H", 0x0000)),
        (0x00001000, "UI", uid_value(sop_instance)),
    ])


def command_status(command: bytes) -> int | None:
    """Returns Status (0000,0900) of an Implicit VR LE command set, or None without one."""
    offset = 0
    while offset + 8 <= len(command):
        group, element, length = struct.unpack_from("<HHI", command, offset)
        if (group, element) == (0x0000, 0x0900):
            return struct.unpack_from("<H", command, offset + 8)[0]
        offset += 8 + length
    return None


# ---- Association ----

@dataclass
class ContextResult:
    """One presentation context of an A-ASSOCIATE-AC."""
    context_id: int
    result: int
    transfer_syntax: str


@dataclass
class AssociationResponse:
    """The response to an A-ASSOCIATE-RQ: an A-ASSOCIATE-AC, an A-ASSOCIATE-RJ, or none
    (`pdu_type` None)."""
    pdu_type: int | None
    result: int = 0
    source: int = 0
    reason: int = 0
    max_pdu_length: int | None = None
    implementation_class_uid: str = ""
    implementation_version_name: str = ""
    operations_window: tuple[int, int] | None = None
    contexts: dict[int, ContextResult] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.pdu_type == PDU_ASSOCIATE_AC


def _item(item_type: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(payload)) + payload


def _pdu(pdu_type: int, payload: bytes) -> bytes:
    return struct.pack(">BBI", pdu_type, 0, len(payload)) + payload


def _ae_field(title: str) -> bytes:
    return title.encode("ascii").ljust(16, b" ")


def associate_request(calling: str, called: str,
                      contexts: list[tuple[int, str, list[str]]],
                      max_pdu_length: int = 16384,
                      application_context: str = APPLICATION_CONTEXT,
                      operations_window: tuple[int, int] | None = None) -> bytes:
    """Encodes an A-ASSOCIATE-RQ. Each entry of `contexts` is an odd context ID, an abstract
    syntax and its transfer syntaxes. `operations_window` proposes an Asynchronous
    Operations Window (invoked, performed)."""
    items = _item(0x10, application_context.encode("ascii"))
    for context_id, abstract_syntax, transfer_syntaxes in contexts:
        sub_items = _item(0x30, abstract_syntax.encode("ascii"))
        sub_items += b"".join(_item(0x40, syntax.encode("ascii")) for syntax in transfer_syntaxes)
        items += _item(0x20, struct.pack(">BBBB", context_id, 0, 0, 0) + sub_items)
    user = _item(0x51, struct.pack(">I", max_pdu_length))
    user += _item(0x52, b"1.2.826.0.1.3680043.8.498.1")
    if operations_window is not None:
        user += _item(0x53, struct.pack(">HH", *operations_window))
    user += _item(0x55, b"PDU_CLIENT")
    items += _item(0x50, user)
    header = struct.pack(">HH", 1, 0) + _ae_field(called) + _ae_field(calling) + b"\0" * 32
    return _pdu(PDU_ASSOCIATE_RQ, header + items)


def _parse_accept(payload: bytes) -> AssociationResponse:
    response = AssociationResponse(pdu_type=PDU_ASSOCIATE_AC)
    offset = 68
    while offset + 4 <= len(payload):
        item_type, _, length = struct.unpack_from(">BBH", payload, offset)
        body = payload[offset + 4:offset + 4 + length]
        offset += 4 + length
        if item_type == 0x21:
            context_id, _, result, _ = struct.unpack_from(">BBBB", body, 0)
            syntax = ""
            if len(body) >= 8:
                _, _, syntax_length = struct.unpack_from(">BBH", body, 4)
                syntax = body[8:8 + syntax_length].decode("ascii").rstrip("\0")
            response.contexts[context_id] = ContextResult(context_id, result, syntax)
        elif item_type == 0x50:
            sub_offset = 0
            while sub_offset + 4 <= len(body):
                sub_type, _, sub_length = struct.unpack_from(">BBH", body, sub_offset)
                value = body[sub_offset + 4:sub_offset + 4 + sub_length]
                sub_offset += 4 + sub_length
                if sub_type == 0x51:
                    response.max_pdu_length = struct.unpack(">I", value)[0]
                elif sub_type == 0x52:
                    response.implementation_class_uid = value.decode("ascii").rstrip("\0")
                elif sub_type == 0x53:
                    response.operations_window = struct.unpack(">HH", value)
                elif sub_type == 0x55:
                    response.implementation_version_name = value.decode("ascii").rstrip()
    return response


class PDUConnection:
    """One TCP connection to a Storage SCP on 127.0.0.1, spoken to PDU by PDU."""

    def __init__(self, port: int, timeout: float = 10):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.max_pdu_length = 16384

    def close(self) -> None:
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exception) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def _read_exactly(self, count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            chunk = self.socket.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read_pdu(self) -> tuple[int, bytes] | None:
        """Returns the next PDU's type and payload, or None once the peer closed."""
        try:
            header = self._read_exactly(6)
            if header is None:
                return None
            pdu_type, _, length = struct.unpack(">BBI", header)
            payload = self._read_exactly(length)
        except ConnectionResetError:
            return None
        return None if payload is None else (pdu_type, payload)

    def associate(self, calling: str, called: str, contexts: list[tuple[int, str, list[str]]],
                  **options) -> AssociationResponse:
        """Sends an A-ASSOCIATE-RQ, with the options of `associate_request`, and returns
        the response."""
        self.send(associate_request(calling, called, contexts, **options))
        received = self.read_pdu()
        if received is None:
            return AssociationResponse(pdu_type=None)
        pdu_type, payload = received
        if pdu_type == PDU_ASSOCIATE_RJ:
            return AssociationResponse(pdu_type, result=payload[1], source=payload[2],
                                       reason=payload[3])
        if pdu_type == PDU_ASSOCIATE_AC:
            response = _parse_accept(payload)
            if response.max_pdu_length:
                self.max_pdu_length = response.max_pdu_length
            return response
        return AssociationResponse(pdu_type)

    def data_pdus(self, context_id: int, message: bytes, command: bool) -> list[bytes]:
        """Splits a command or data set into P-DATA-TF PDUs of one PDV each, within the
        peer's maximum PDU length."""
        # A maximum of 0 means no limit. The PDV header takes 6 bytes of each PDU, and
        # fragments keep an even length.
        fragment = 16384
        if self.max_pdu_length:
            fragment = self.max_pdu_length - 6
        fragment -= fragment % 2
        pieces = [message[start:start + fragment]
                  for start in range(0, len(message), fragment)] or [b""]
        pdus = []
        for index, piece in enumerate(pieces):
            control = 0x01 if command else 0x00
            if index == len(pieces) - 1:
                control |= 0x02
            pdv = struct.pack(">IBB", len(piece) + 2, context_id, control) + piece
            pdus.append(_pdu(PDU_DATA, pdv))
        return pdus

    def send_message(self, context_id: int, command: bytes, data_set: bytes | None = None) -> None:
        for pdu in self.data_pdus(context_id, command, True):
            self.send(pdu)
        if data_set is not None:
            for pdu in self.data_pdus(context_id, data_set, False):
                self.send(pdu)

    def read_command(self) -> bytes | None:
        """Reads P-DATA-TF PDUs until a command set is complete and returns it; None when
        another PDU or the end of the connection came first."""
        command = b""
        while True:
            received = self.read_pdu()
            if received is None or received[0] != PDU_DATA:
                return None
            payload = received[1]
            offset = 0
            while offset < len(payload):
                length, _, control = struct.unpack_from(">IBB", payload, offset)
                command += payload[offset + 6:offset + 4 + length]
                offset += 4 + length
                if control & 0x03 == 0x03:
                    return command

    def echo(self, context_id: int, message_id: int = 1) -> int | None:
        """Sends a C-ECHO-RQ and returns the response status."""
        self.send_message(context_id, echo_request(message_id))
        response = self.read_command()
        return None if response is None else command_status(response)

    def store(self, context_id: int, sop_class: str, sop_instance: str, data_set: bytes,
              message_id: int = 1) -> int | None:
        """Sends a C-STORE-RQ with `data_set` and returns the response status."""
        self.send_message(context_id, store_request(message_id, sop_class, sop_instance),
                          data_set)
        response = self.read_command()
        return None if response is None else command_status(response)

    def release(self) -> bool:
        """Sends an A-RELEASE-RQ and returns whether an A-RELEASE-RP came back."""
        self.send(_pdu(PDU_RELEASE_RQ, b"\0" * 4))
        received = self.read_pdu()
        return received is not None and received[0] == PDU_RELEASE_RP

    def abort(self) -> None:
        """Sends an A-ABORT from the service user and closes the connection."""
        self.send(_pdu(PDU_ABORT, b"\0\0\0\0"))
        self.close()
