import Foundation

/// The pynetdicom peer that the Storage SCP tests drive; `Peers` writes it to a file.
enum PeerScript {
    /// The Python source. Usage: peer.py COMMAND PORT CALLED_AE [ARGUMENTS]; it prints one
    /// JSON object on standard output.
    static let source = #"""
        """A scriptable DICOM peer for the DicomNetwork tests, built on pynetdicom.

        Usage: peer.py COMMAND PORT CALLED_AE [ARGUMENTS]. Prints one JSON object on stdout.
        """
        import io
        import json
        import os
        import sys
        import threading
        import time

        import pynetdicom.acse
        from pydicom import dcmread
        from pynetdicom import AE, evt
        from pynetdicom.dimse_messages import C_STORE_RQ
        from pynetdicom.pdu import A_ASSOCIATE_RJ
        from pydicom.dataset import Dataset
        from pynetdicom.dimse_primitives import C_FIND, C_STORE
        from pynetdicom.dsutils import encode

        CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
        VERIFICATION = "1.2.840.10008.1.1"
        EXPLICIT = "1.2.840.10008.1.2.1"
        IMPLICIT = "1.2.840.10008.1.2"
        JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"
        JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
        UNKNOWN_CLASS = "1.2.826.0.1.3680043.2.1143.999"


        def make_ae():
            ae = AE(ae_title="PY_PEER")
            ae.acse_timeout = 10
            ae.dimse_timeout = 10
            ae.network_timeout = 10
            return ae


        def associate(ae, port, called):
            """Associates and returns the association with the A-ASSOCIATE-RJ fields, if any."""
            rejection = {}

            # The A-ASSOCIATE-RJ is read from the PDU as it arrives: when the SCP closes the
            # connection right after it, pynetdicom 3.0.4 may report a failed connection
            # before its ACSE layer has handled the rejection.
            def on_pdu(event):
                if isinstance(event.pdu, A_ASSOCIATE_RJ):
                    rejection.update(
                        result=event.pdu.result, source=event.pdu.source,
                        reason=event.pdu.reason_diagnostic)

            assoc = ae.associate(
                "127.0.0.1", port, ae_title=called, evt_handlers=[(evt.EVT_PDU_RECV, on_pdu)])
            return assoc, rejection


        def negotiate(port, called, path):
            ae = make_ae()
            proposals = [
                (CT_IMAGE, [EXPLICIT]),
                (UNKNOWN_CLASS, [EXPLICIT]),
                (CT_IMAGE, [JPEG_LOSSLESS, IMPLICIT]),
                (CT_IMAGE, [JPEG_LOSSLESS]),
                (CT_IMAGE, [JPEG_BASELINE]),
                (CT_IMAGE, [EXPLICIT]),
                (VERIFICATION, [IMPLICIT]),
            ]
            for abstract, syntaxes in proposals:
                ae.add_requested_context(abstract, syntaxes)
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "contexts": []}
            if not assoc.is_established:
                return result
            contexts = assoc.accepted_contexts + assoc.rejected_contexts
            for context in sorted(contexts, key=lambda c: c.context_id):
                accepted = context.result == 0
                result["contexts"].append({
                    "id": context.context_id,
                    "abstract": str(context.abstract_syntax),
                    "result": context.result,
                    "transfer_syntax": str(context.transfer_syntax[0]) if accepted else None,
                })
            result["store_status"] = assoc.send_c_store(dcmread(path)).Status
            result["echo_status"] = assoc.send_c_echo().Status
            assoc.release()
            return result


        def large_request(port, called):
            """Proposes 128 contexts, the most DICOM allows; the first has 60 transfer syntaxes."""
            ae = make_ae()
            unknown = [f"1.2.826.0.1.3680043.2.1143.{number}" for number in range(59)]
            ae.add_requested_context(CT_IMAGE, unknown + [EXPLICIT])
            classes = [CT_IMAGE, "1.2.840.10008.5.1.4.1.1.4", VERIFICATION, UNKNOWN_CLASS]
            for number in range(127):
                ae.add_requested_context(classes[number % len(classes)], [EXPLICIT, IMPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection}
            if not assoc.is_established:
                return result
            first = min(assoc.accepted_contexts, key=lambda context: context.context_id)
            result["accepted"] = len(assoc.accepted_contexts)
            result["rejected"] = len(assoc.rejected_contexts)
            result["first_transfer_syntax"] = str(first.transfer_syntax[0])
            result["echo_status"] = assoc.send_c_echo().Status
            assoc.release()
            return result


        def store(port, called, paths):
            ae = make_ae()
            datasets = [dcmread(path) for path in paths]
            for ds in datasets:
                ae.add_requested_context(ds.SOPClassUID, [ds.file_meta.TransferSyntaxUID])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "responses": []}
            if not assoc.is_established:
                return result
            for ds in datasets:
                response = assoc.send_c_store(ds)
                result["responses"].append({
                    "status": int(response.get("Status", -1)),
                    "comment": str(response.get("ErrorComment", "")),
                })
            result["released"] = True
            assoc.release()
            return result


        def abort_mid_store(port, called, path, vanish=False):
            """Sends a C-STORE command and the first fragments of its data set, then aborts.

            With `vanish`, the process exits instead, so the connection closes without A-ABORT.
            """
            ae = make_ae()
            ds = dcmread(path)
            ae.add_requested_context(ds.SOPClassUID, [EXPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "fragments": 0}
            if not assoc.is_established:
                return result
            context = assoc.accepted_contexts[0]
            request = C_STORE()
            request.MessageID = 1
            request.Priority = 2
            request.AffectedSOPClassUID = ds.SOPClassUID
            request.AffectedSOPInstanceUID = ds.SOPInstanceUID
            request.DataSet = io.BytesIO(encode(ds, False, True))
            message = C_STORE_RQ()
            message.primitive_to_message(request)
            for pdata in message.encode_msg(context.context_id, 4096):
                assoc.dul.send_pdu(pdata)
                result["fragments"] += 1
                if result["fragments"] == 3:
                    break
            time.sleep(0.5)
            if vanish:
                print(json.dumps(result), flush=True)
                os._exit(0)
            assoc.abort()
            return result


        def send_unchecked(assoc, primitive, context_id):
            """Sends a DIMSE request that pynetdicom would refuse to send, and returns the response.

            pynetdicom's reactor is paused meanwhile, so that it does not take the response.
            """
            assoc._reactor_checkpoint.clear()
            while not assoc._is_paused:
                time.sleep(0.001)
            try:
                assoc.dimse.send_msg(primitive, context_id)
                _, response = assoc.dimse.get_msg(block=True)
            finally:
                assoc._reactor_checkpoint.set()
            return response


        def mismatched_store(port, called, ct_path, mr_path):
            """Sends an MR instance on a CT context, then the CT instance on the same context."""
            ae = make_ae()
            ae.add_requested_context(CT_IMAGE, [EXPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "responses": []}
            if not assoc.is_established:
                return result
            mr = dcmread(mr_path)
            request = C_STORE()
            request.MessageID = 1
            request.Priority = 2
            request.AffectedSOPClassUID = mr.SOPClassUID
            request.AffectedSOPInstanceUID = mr.SOPInstanceUID
            request.DataSet = io.BytesIO(encode(mr, False, True))
            response = send_unchecked(assoc, request, assoc.accepted_contexts[0].context_id)
            result["responses"].append({
                "status": int(response.Status) if response is not None else -1,
                "comment": str(response.ErrorComment or "") if response is not None else "",
            })
            response = assoc.send_c_store(dcmread(ct_path))
            result["responses"].append({"status": int(response.get("Status", -1)), "comment": ""})
            assoc.release()
            return result


        def store_truncated(port, called, path, cut):
            """Sends the data set of `path` cut off, as the only C-STORE of an association.

            `cut` is "half", which ends inside the value of Pixel Data, or "pixel-header", which
            ends after the tag of Pixel Data, inside its element header.
            """
            ae = make_ae()
            ds = dcmread(path)
            ae.add_requested_context(ds.SOPClassUID, [EXPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "responses": []}
            if not assoc.is_established:
                return result
            encoded = encode(ds, False, True)
            if cut == "half":
                end = len(encoded) // 4 * 2
            else:
                end = encoded.index(b"\xe0\x7f\x10\x00") + 4
            request = C_STORE()
            request.MessageID = 1
            request.Priority = 2
            request.AffectedSOPClassUID = ds.SOPClassUID
            request.AffectedSOPInstanceUID = ds.SOPInstanceUID
            request.DataSet = io.BytesIO(encoded[:end])
            response = send_unchecked(assoc, request, assoc.accepted_contexts[0].context_id)
            result["responses"].append({
                "status": int(response.Status) if response is not None else -1,
                "comment": str(response.ErrorComment or "") if response is not None else "",
            })
            assoc.release()
            return result


        def find_on_storage_context(port, called):
            """Sends a C-FIND-RQ on a CT Image Storage context; reports whether the SCP aborted."""
            ae = make_ae()
            ae.add_requested_context(CT_IMAGE, [EXPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "aborted": False}
            if not assoc.is_established:
                return result
            identifier = Dataset()
            identifier.QueryRetrieveLevel = "PATIENT"
            identifier.PatientID = "*"
            request = C_FIND()
            request.MessageID = 1
            request.Priority = 2
            request.AffectedSOPClassUID = "1.2.840.10008.5.1.4.1.2.1.1"
            request.Identifier = io.BytesIO(encode(identifier, False, True))
            assoc.dimse.send_msg(request, assoc.accepted_contexts[0].context_id)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not assoc.is_aborted and assoc.is_alive():
                time.sleep(0.05)
            result["aborted"] = assoc.is_aborted or not assoc.is_alive()
            return result


        def idle(port, called, seconds):
            """Associates, sends nothing, and reports whether the SCP aborted within `seconds`."""
            ae = make_ae()
            ae.add_requested_context(VERIFICATION, [IMPLICIT])
            assoc, rejection = associate(ae, port, called)
            result = {"established": assoc.is_established, "rejection": rejection, "aborted": False}
            if not assoc.is_established:
                return result
            print("ready", file=sys.stderr, flush=True)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and assoc.is_alive() and not assoc.is_aborted:
                time.sleep(0.05)
            result["aborted"] = assoc.is_aborted or not assoc.is_alive()
            if assoc.is_established:
                assoc.release()
            return result


        def echo_many(port, called, count, parallel):
            """Runs `count` associations with one C-ECHO each, `parallel` at a time."""
            succeeded = []
            lock = threading.Lock()
            share = [count // parallel] * parallel
            for index in range(count % parallel):
                share[index] += 1

            def run(number):
                ae = make_ae()
                ae.add_requested_context(VERIFICATION, [IMPLICIT])
                for _ in range(number):
                    assoc, _ = associate(ae, port, called)
                    if assoc.is_established:
                        status = assoc.send_c_echo().Status
                        assoc.release()
                        if status == 0:
                            with lock:
                                succeeded.append(1)

            threads = [threading.Thread(target=run, args=(number,)) for number in share]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return {"succeeded": len(succeeded)}


        def wrong_application_context(port, called):
            pynetdicom.acse.APPLICATION_CONTEXT_NAME = "1.2.826.0.1.3680043.2.1143.1"
            ae = make_ae()
            ae.add_requested_context(VERIFICATION, [IMPLICIT])
            assoc, rejection = associate(ae, port, called)
            if assoc.is_established:
                assoc.release()
            return {"established": assoc.is_established, "rejection": rejection}


        def main():
            command, port, called = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            arguments = sys.argv[4:]
            if command == "negotiate":
                result = negotiate(port, called, arguments[0])
            elif command == "store":
                result = store(port, called, arguments)
            elif command == "abort-mid-store":
                result = abort_mid_store(port, called, arguments[0])
            elif command == "large-request":
                result = large_request(port, called)
            elif command == "vanish-mid-store":
                result = abort_mid_store(port, called, arguments[0], vanish=True)
            elif command == "store-truncated":
                result = store_truncated(port, called, arguments[0], arguments[1])
            elif command == "mismatched-store":
                result = mismatched_store(port, called, arguments[0], arguments[1])
            elif command == "find-on-storage-context":
                result = find_on_storage_context(port, called)
            elif command == "idle":
                result = idle(port, called, float(arguments[0]))
            elif command == "echo-many":
                result = echo_many(port, called, int(arguments[0]), int(arguments[1]))
            elif command == "wrong-application-context":
                result = wrong_application_context(port, called)
            else:
                raise SystemExit(f"unknown command {command}")
            print(json.dumps(result))


        main()
        """#
}
