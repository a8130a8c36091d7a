// Storage SCP: association negotiation and DIMSE message handling on connections that the
// caller accepted on its own listening socket.

#include "mcdicom.h"
#include "shim_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrae.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <dcmtk/dcmdata/dcvrsh.h>
#include <dcmtk/dcmdata/dcvrui.h>
#include <dcmtk/dcmdata/dcvrul.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/lst.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace {

const char *const dicom_application_context = "1.2.840.10008.3.1.1.1";

// PS3.7 C-STORE and C-ECHO status values used here.
const Uint16 status_success = 0x0000;

// ---- Handing the accepted socket to DCMTK ----

// DCMTK 3.6.7 reads an accepted connection only from the process-wide global
// dcmExternalSocketHandle, in ASC_initializeNetwork and ASC_receiveAssociation. This lock
// keeps one thread's descriptor in the global from the moment it is set until DCMTK has
// wrapped it in a connection object.
std::mutex external_socket_mutex;

// Holds the lock while the global names one caller's descriptor. release() resets the
// global and unlocks. It runs as soon as DCMTK has taken the descriptor, so that a peer
// that is slow to send its A-ASSOCIATE-RQ holds up no other connection.
class SocketHandoff {
public:
    explicit SocketHandoff(int socket_fd) : lock_(external_socket_mutex) {
        dcmExternalSocketHandle.set(socket_fd);
    }

    ~SocketHandoff() { release(); }

    SocketHandoff(const SocketHandoff &) = delete;
    SocketHandoff &operator=(const SocketHandoff &) = delete;

    void release() {
        if (!lock_.owns_lock()) return;
        dcmExternalSocketHandle.set(-1);
        lock_.unlock();
    }

    // Whether DCMTK has created its connection object, which then closes the descriptor.
    bool taken = false;

private:
    std::unique_lock<std::mutex> lock_;
};

// Sets the socket option SO_RCVTIMEO or SO_SNDTIMEO to `seconds`; a failure only leaves
// DCMTK's value in place.
void set_timeout(int socket_fd, int option, int seconds) {
    timeval value{};
    value.tv_sec = seconds;
    (void)setsockopt(socket_fd, SOL_SOCKET, option, &value, sizeof value);
}

// A transport layer that reports when DCMTK wraps the descriptor. It also replaces the
// socket timeouts that DCMTK's connection sets from its own globals (60 s) with this
// association's, because DCMTK 3.6.7 reads the body of the A-ASSOCIATE-RQ in blocking
// mode: a peer that stops in the middle of it is dropped after the association timeout.
class HandoffTransportLayer : public DcmTransportLayer {
public:
    HandoffTransportLayer(SocketHandoff *handoff, int receive_timeout, int send_timeout)
        : handoff_(handoff), receive_timeout_(receive_timeout), send_timeout_(send_timeout) {}

    DcmTransportConnection *createConnection(
        DcmNativeSocketType socket_fd, OFBool use_secure_layer) override {
        DcmTransportConnection *connection =
            DcmTransportLayer::createConnection(socket_fd, use_secure_layer);
        set_timeout(socket_fd, SO_RCVTIMEO, receive_timeout_);
        set_timeout(socket_fd, SO_SNDTIMEO, send_timeout_);
        if (handoff_ != nullptr) {
            // DCMTK closes the descriptor itself when it could not create a connection.
            handoff_->taken = true;
            handoff_->release();
            handoff_ = nullptr;
        }
        return connection;
    }

    // Forgets the handoff once ASC_receiveAssociation has returned.
    void detach() { handoff_ = nullptr; }

private:
    SocketHandoff *handoff_;
    int receive_timeout_;
    int send_timeout_;
};

// ---- Configuration parsing ----

// SOP Class UID to its transfer syntax UIDs in order of preference.
using PresentationTable = std::map<std::string, std::vector<std::string>>;

PresentationTable parse_presentation_table(const char *text) {
    PresentationTable table;
    for (const std::string &line : mcd_split(text, '\n')) {
        std::vector<std::string> fields = mcd_split(line, '\t');
        if (fields.size() < 2 || fields[0].empty()) continue;
        std::vector<std::string> &syntaxes = table[fields[0]];
        for (size_t i = 1; i < fields.size(); i++) {
            if (!fields[i].empty()) syntaxes.push_back(fields[i]);
        }
    }
    return table;
}

// ---- Parsing the received data set ----

// Parses a C-STORE data set from the fragments it arrives in, the way DCMTK's
// DIMSE_receiveDataSetInMemory does, so that the caller needs no second parse of the file.
class IncrementalParse {
public:
    enum class State {
        parsing,
        parsed,
        // DCMTK rejected the data set, and failure() says why.
        failed,
        // Stopped because the data set is too large or memory ran out, or handed over.
        skipped,
    };

    explicit IncrementalParse(E_TransferSyntax syntax)
        : syntax_(syntax), dataset_(new DcmDataset) {
        if (syntax_ == EXS_Unknown) {
            skip();
            return;
        }
        dataset_->transferInit();
    }

    IncrementalParse(const IncrementalParse &) = delete;
    IncrementalParse &operator=(const IncrementalParse &) = delete;

    // Parses the next bytes of the data set. Past MCD_MAX_PARSED_DATA_SET_SIZE bytes the
    // parse stops and frees what it holds.
    void feed(const char *bytes, size_t length) {
        if (state_ != State::parsing || length == 0) return;
        try {
            // NOTE: DCMTK allocates a value at its declared length once its header is read,
            // so one large element reserves that much address space until the parse stops
            // here, although only the bytes fed so far are written to.
            size_ += length;
            if (size_ > size_t(MCD_MAX_PARSED_DATA_SET_SIZE)) {
                skip();
                return;
            }
            // When the end of the stream is set only after every byte was read, DCMTK 3.6.7
            // ends the data set there without noticing that its last element is incomplete.
            // So the last two bytes wait for the next fragment or for finish(), which sets
            // the end of the stream before they are read.
            read(tail_, tail_length_, false);
            const size_t kept = length < sizeof tail_ ? length : sizeof tail_;
            read(bytes, length - kept, false);
            std::memcpy(tail_, bytes + length - kept, kept);
            tail_length_ = kept;
        } catch (const std::exception &) {
            // Memory ran out. The caller's file parse needs less, as it leaves large values
            // on disk.
            skip();
        }
    }

    // Reads the last bytes with the end of the stream set, which fails on a data set that
    // ends inside an element.
    void finish() {
        if (state_ != State::parsing) return;
        try {
            read(tail_, tail_length_, true);
            if (state_ != State::parsing) return;
            dataset_->transferEnd();
            state_ = State::parsed;
        } catch (const std::exception &) {
            skip();
        }
    }

    State state() const { return state_; }
    // What DCMTK reported, and where.
    const std::string &failure() const { return failure_; }

    // Hands the parsed data set over, after which the state is `skipped`.
    std::unique_ptr<DcmDataset> take() {
        state_ = State::skipped;
        return std::move(dataset_);
    }

private:
    void read(const char *bytes, size_t length, bool last) {
        if (length == 0 && !last) return;
        if (length > 0) stream_.setBuffer(bytes, length);
        if (last) stream_.setEos();
        const OFCondition status = dataset_->read(stream_, syntax_);
        // Keeps the bytes the parser has not consumed, such as half an element header.
        stream_.releaseBuffer();

        if (status == EC_MemoryExhausted) {
            skip();
        } else if (last && (status == EC_StreamNotifyClient || status == EC_InvalidStream)) {
            // At the end of the stream, these mean an element header or value is cut off.
            fail("the data set ends inside an element after " + std::to_string(size_)
                + " bytes (" + status.text() + ")");
        } else if (status.bad() && (last || status != EC_StreamNotifyClient)) {
            fail(failure_at(status));
        } else if (stream_.status().bad()) {
            fail(failure_at(stream_.status()));
        }
    }

    std::string failure_at(const OFCondition &status) {
        return "DcmDataset::read failed at byte " + std::to_string(stream_.tell()) + " of "
            + std::to_string(size_) + " received: " + status.text();
    }

    void fail(const std::string &failure) {
        state_ = State::failed;
        failure_ = failure;
        dataset_.reset();
    }

    void skip() {
        state_ = State::skipped;
        dataset_.reset();
    }

    E_TransferSyntax syntax_;
    std::unique_ptr<DcmDataset> dataset_;
    DcmInputBufferStream stream_;
    State state_ = State::parsing;
    std::string failure_;
    size_t size_ = 0;
    char tail_[2] = {};
    size_t tail_length_ = 0;
};

// ---- Writing the received data set ----

// A DCMTK output stream consumer that writes straight to a descriptor and keeps the first
// errno. DCMTK reports only that a write failed, and the errno shows whether the disk was
// full. Once a parse is attached, it is fed every byte written after that.
class DescriptorConsumer : public DcmConsumer {
public:
    explicit DescriptorConsumer(int fd) : fd_(fd) {}

    void attach(IncrementalParse *parse) { parse_ = parse; }

    OFBool good() const override { return error_ == 0; }
    OFCondition status() const override { return error_ == 0 ? EC_Normal : EC_InvalidStream; }
    OFBool isFlushed() const override { return OFTrue; }
    offile_off_t avail() const override { return error_ == 0 ? (offile_off_t(1) << 30) : 0; }
    void flush() override {}

    offile_off_t write(const void *buffer, offile_off_t length) override {
        if (error_ != 0) return 0;
        const char *bytes = static_cast<const char *>(buffer);
        offile_off_t written = 0;
        while (written < length) {
            const ssize_t count = ::write(fd_, bytes + written, size_t(length - written));
            if (count < 0 && errno == EINTR) continue;
            if (count <= 0) {
                error_ = count < 0 ? errno : EIO;
                break;
            }
            written += count;
        }
        if (parse_ != nullptr && error_ == 0) parse_->feed(bytes, size_t(length));
        return written;
    }

    int error() const { return error_; }

private:
    int fd_;
    int error_ = 0;
    IncrementalParse *parse_ = nullptr;
};

// The DcmOutputStream that DIMSE_receiveDataSetInFile writes to. The base class only
// keeps the consumer's address, so passing a member that is built later is safe.
class DescriptorOutputStream : public DcmOutputStream {
public:
    explicit DescriptorOutputStream(int fd) : DcmOutputStream(&consumer_), consumer_(fd) {}
    int error() const { return consumer_.error(); }
    void attach(IncrementalParse *parse) { consumer_.attach(parse); }

private:
    DescriptorConsumer consumer_;
};

int error_code_for_errno(int value) {
    return (value == ENOSPC || value == EDQUOT) ? MCD_ERROR_NO_SPACE : MCD_ERROR_IO;
}

// Writes the File Meta Information (with preamble and "DICM") for one received instance.
OFCondition write_meta_information(
    DcmOutputStream &stream, const T_DIMSE_C_StoreRQ &request, const char *transfer_syntax,
    const std::string &implementation_class_uid, const std::string &implementation_version,
    const std::string &source_ae) {
    DcmMetaInfo meta;
    const Uint8 version[2] = {0, 1};
    auto *group_length = new DcmUnsignedLong(DCM_FileMetaInformationGroupLength);
    meta.insert(group_length, OFTrue);
    auto *meta_version = new DcmOtherByteOtherWord(DCM_FileMetaInformationVersion);
    meta.insert(meta_version, OFTrue);
    meta_version->putUint8Array(version, 2);
    meta.putAndInsertString(DCM_MediaStorageSOPClassUID, request.AffectedSOPClassUID);
    meta.putAndInsertString(DCM_MediaStorageSOPInstanceUID, request.AffectedSOPInstanceUID);
    meta.putAndInsertString(DCM_TransferSyntaxUID, transfer_syntax);
    meta.putAndInsertString(DCM_ImplementationClassUID, implementation_class_uid.c_str());
    meta.putAndInsertString(DCM_ImplementationVersionName, implementation_version.c_str());
    if (!source_ae.empty()) {
        meta.putAndInsertString(DCM_SourceApplicationEntityTitle, source_ae.c_str());
    }

    OFCondition status = meta.computeGroupLengthAndPadding(
        EGL_withGL, EPD_noChange, EXS_LittleEndianExplicit, EET_UndefinedLength);
    if (status.bad()) return status;
    meta.transferInit();
    status = meta.write(stream, EXS_LittleEndianExplicit, EET_ExplicitLength, nullptr);
    meta.transferEnd();
    return status;
}

std::string command_name(T_DIMSE_Command command) {
    switch (command) {
    case DIMSE_C_FIND_RQ: return "C-FIND-RQ";
    case DIMSE_C_MOVE_RQ: return "C-MOVE-RQ";
    case DIMSE_C_GET_RQ: return "C-GET-RQ";
    case DIMSE_C_CANCEL_RQ: return "C-CANCEL-RQ";
    case DIMSE_N_EVENT_REPORT_RQ: return "N-EVENT-REPORT-RQ";
    case DIMSE_N_GET_RQ: return "N-GET-RQ";
    case DIMSE_N_SET_RQ: return "N-SET-RQ";
    case DIMSE_N_ACTION_RQ: return "N-ACTION-RQ";
    case DIMSE_N_CREATE_RQ: return "N-CREATE-RQ";
    case DIMSE_N_DELETE_RQ: return "N-DELETE-RQ";
    default: break;
    }
    char text[32];
    std::snprintf(text, sizeof text, "command field %04Xh", unsigned(command));
    return text;
}

} // namespace

struct mcd_association {
    T_ASC_Network *network = nullptr;
    T_ASC_Association *association = nullptr;
    // Whether the association is established and neither released nor aborted.
    bool open = false;

    int association_timeout = 10;
    int dimse_timeout = 30;
    std::string implementation_class_uid;
    std::string implementation_version;
    std::string calling_ae;
    std::string called_ae;

    // The last C-STORE request, and whether it still needs its response.
    T_DIMSE_C_StoreRQ store_request{};
    T_ASC_PresentationContextID store_context = 0;
    std::string store_transfer_syntax;
    bool store_pending = false;
    // The data set of the last C-STORE as parsed while it arrived, or null unless that
    // C-STORE returned MCD_EVENT_STORE.
    std::unique_ptr<IncrementalParse> store_parse;

    // A duplicate of the connection's descriptor, or -1. DCMTK closes its own descriptor
    // at a time of its choosing, but this one keeps the number from being reused until the
    // handle is freed, so a shutdown through it always reaches this connection.
    int socket_fd = -1;

    ~mcd_association() {
        if (association != nullptr) {
            if (open) send_abort();
            ASC_dropAssociation(association);
            ASC_destroyAssociation(&association);
        }
        if (network != nullptr) ASC_dropNetwork(&network);
        if (socket_fd >= 0) ::close(socket_fd);
    }

    void abort() {
        if (open && association != nullptr) send_abort();
        open = false;
        store_pending = false;
    }

private:
    // Sends an A-ABORT. DCMTK 3.6.7 then waits up to the association timeout for the peer
    // to close the connection, which a stalled peer never does. Shutting down the reading
    // side first makes that wait end at once, while the A-ABORT still goes out.
    void send_abort() {
        if (socket_fd >= 0) ::shutdown(socket_fd, SHUT_RD);
        ASC_abortAssociation(association);
    }
};

namespace {

bool valid_config(const mcd_scp_config *config) {
    return config != nullptr && config->ae_titles != nullptr
        && config->presentation_table != nullptr && config->implementation_class_uid != nullptr
        && config->implementation_version_name != nullptr
        && config->max_pdu_size >= ASC_MINIMUMPDUSIZE && config->max_pdu_size <= ASC_MAXIMUMPDUSIZE
        && config->association_timeout > 0 && config->dimse_timeout > 0;
}

void clear_request(mcd_association_request *request) {
    if (request != nullptr) std::memset(request, 0, sizeof *request);
}

// Receives the A-ASSOCIATE-RQ on `socket_fd` into a new handle. Closes the descriptor
// itself when DCMTK never took it. Returns NULL on failure, with `error` filled in.
std::unique_ptr<mcd_association> receive_request(
    int socket_fd, const mcd_scp_config &config, mcd_association_request *request,
    mcd_error *error) {
    auto handle = std::make_unique<mcd_association>();
    handle->association_timeout = config.association_timeout;
    handle->dimse_timeout = config.dimse_timeout;
    handle->implementation_class_uid = config.implementation_class_uid;
    handle->implementation_version = config.implementation_version_name;

    // A reverse DNS lookup per association would be slow and would reach out to a name server.
    dcmDisableGethostbyaddr.set(OFTrue);

    bool descriptor_taken = false;
    OFCondition status;
    {
        SocketHandoff handoff(socket_fd);
        status = ASC_initializeNetwork(
            NET_ACCEPTOR, 0, config.association_timeout, &handle->network);
        if (status.good()) {
            auto *layer =
                new HandoffTransportLayer(
                    &handoff, config.association_timeout, config.dimse_timeout);
            status = ASC_setTransportLayer(handle->network, layer, 1);
            if (status.bad()) {
                delete layer;
            } else {
                status = ASC_receiveAssociation(
                    handle->network, &handle->association, long(config.max_pdu_size));
                layer->detach();
            }
        }
        descriptor_taken = handoff.taken;
    }
    if (!descriptor_taken) ::close(socket_fd);
    if (status.good() && descriptor_taken) {
        // From now on a blocking read waits for the rest of a PDU, so the DIMSE timeout applies.
        set_timeout(socket_fd, SO_RCVTIMEO, config.dimse_timeout);
        handle->socket_fd = ::fcntl(socket_fd, F_DUPFD_CLOEXEC, 0);
    }

    if (handle->association != nullptr && handle->association->params != nullptr) {
        const DUL_ASSOCIATESERVICEPARAMETERS &dul = handle->association->params->DULparams;
        handle->calling_ae = mcd_trim_spaces(dul.callingAPTitle);
        handle->called_ae = mcd_trim_spaces(dul.calledAPTitle);
        if (request != nullptr) {
            std::snprintf(request->calling_ae, sizeof request->calling_ae, "%s",
                handle->calling_ae.c_str());
            std::snprintf(request->called_ae, sizeof request->called_ae, "%s",
                handle->called_ae.c_str());
        }
    }
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_NETWORK,
            std::string("ASC_receiveAssociation failed: ") + status.text());
        return nullptr;
    }
    // DCMTK 3.6.7 reports success when the connection closes before any PDU arrives. Every
    // A-ASSOCIATE-RQ carries an application context name, so an empty one means none came.
    if (handle->association->params->DULparams.applicationContextName[0] == '\0') {
        mcd_set_error(error, MCD_ERROR_NETWORK,
            "no A-ASSOCIATE-RQ arrived: the peer closed the connection or sent another PDU");
        return nullptr;
    }
    return handle;
}

// Sends an A-ASSOCIATE-RJ and waits briefly for the peer to close the connection.
void send_rejection(
    mcd_association &handle, T_ASC_RejectParametersResult result,
    T_ASC_RejectParametersSource source, T_ASC_RejectParametersReason reason,
    mcd_association_request *request) {
    T_ASC_RejectParameters parameters{result, source, reason};
    if (request != nullptr) {
        request->reject_result = int(result);
        request->reject_source = int(source);
        request->reject_reason = int(reason) & 0xff;
    }
    ASC_rejectAssociation(handle.association, &parameters);
    ASC_dropSCPAssociation(handle.association, handle.association_timeout);
}

struct ProposedContext {
    T_ASC_PresentationContextID id;
    std::string abstract_syntax;
    std::vector<std::string> transfer_syntaxes;
};

// Reads the proposed contexts from DCMTK's list directly: ASC_getPresentationContext
// fails on a context with more than 50 transfer syntaxes, which DICOM allows.
std::vector<ProposedContext> proposed_contexts(T_ASC_Parameters *params) {
    std::vector<ProposedContext> contexts;
    LST_HEAD **list = &params->DULparams.requestedPresentationContext;
    if (*list == nullptr) return contexts;
    auto *context = static_cast<DUL_PRESENTATIONCONTEXT *>(LST_Head(list));
    if (context != nullptr) LST_Position(list, context);
    while (context != nullptr) {
        ProposedContext proposed{context->presentationContextID, context->abstractSyntax, {}};
        LST_HEAD **syntaxes = &context->proposedTransferSyntax;
        if (*syntaxes != nullptr) {
            auto *syntax = static_cast<DUL_TRANSFERSYNTAX *>(LST_Head(syntaxes));
            if (syntax != nullptr) LST_Position(syntaxes, syntax);
            while (syntax != nullptr) {
                proposed.transfer_syntaxes.emplace_back(syntax->transferSyntax);
                syntax = static_cast<DUL_TRANSFERSYNTAX *>(LST_Next(syntaxes));
            }
        }
        contexts.push_back(std::move(proposed));
        context = static_cast<DUL_PRESENTATIONCONTEXT *>(LST_Next(list));
    }
    return contexts;
}

// Accepts each proposed context with the first transfer syntax of the table that the
// peer proposed too, and rejects the others one by one, counting both in `proposed` and
// `accepted`.
// Appends one line "abstract syntax<TAB>result<TAB>proposed transfer syntaxes, comma
// separated" to `rejected`, unless that would pass `capacity` bytes with its NUL.
void note_rejected_context(char *rejected, size_t capacity, const ProposedContext &context,
    T_ASC_P_ResultReason result) {
    std::string line = context.abstract_syntax + "\t" + std::to_string(int(result)) + "\t";
    for (size_t i = 0; i < context.transfer_syntaxes.size(); i++) {
        if (i > 0) line += ",";
        line += context.transfer_syntaxes[i];
    }
    line += "\n";
    const size_t used = std::strlen(rejected);
    if (used + line.size() < capacity) std::memcpy(rejected + used, line.c_str(), line.size() + 1);
}

OFCondition negotiate_contexts(T_ASC_Parameters *params, const PresentationTable &table,
    int &proposed, int &accepted, char *rejected, size_t rejected_capacity) {
    // The list is copied first because accepting a context moves DCMTK's list cursor.
    const std::vector<ProposedContext> contexts = proposed_contexts(params);
    proposed = int(contexts.size());
    accepted = 0;
    for (const ProposedContext &context : contexts) {
        OFCondition status;
        const auto entry = table.find(context.abstract_syntax);
        if (entry == table.end()) {
            status = ASC_refusePresentationContext(
                params, context.id, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
            note_rejected_context(
                rejected, rejected_capacity, context, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
        } else {
            const std::string *chosen = nullptr;
            for (const std::string &ours : entry->second) {
                for (const std::string &theirs : context.transfer_syntaxes) {
                    if (ours == theirs) {
                        chosen = &ours;
                        break;
                    }
                }
                if (chosen != nullptr) break;
            }
            if (chosen == nullptr) {
                status = ASC_refusePresentationContext(
                    params, context.id, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
                note_rejected_context(
                    rejected, rejected_capacity, context, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
            } else {
                status = ASC_acceptPresentationContext(params, context.id, chosen->c_str());
                if (status.good()) accepted++;
            }
        }
        if (status.bad()) return status;
    }
    return EC_Normal;
}

// Consumes the rest of a C-STORE data set that will not be stored.
OFCondition skip_data_set(mcd_association &handle) {
    DIC_UL bytes = 0;
    DIC_UL pdvs = 0;
    return DIMSE_ignoreDataSet(
        handle.association, DIMSE_NONBLOCKING, handle.dimse_timeout, &bytes, &pdvs);
}

// Maps a failed DIMSE receive to an event or error, and aborts where the association is
// still up.
int network_failure(mcd_association &handle, const OFCondition &status, mcd_error *error) {
    if (status == DUL_PEERABORTEDASSOCIATION) {
        handle.open = false;
        handle.store_pending = false;
        mcd_set_error(error, MCD_ERROR_NETWORK, "the peer aborted the association");
        return MCD_EVENT_ABORTED;
    }
    if (status == DIMSE_NODATAAVAILABLE) {
        handle.abort();
        mcd_set_error(error, MCD_ERROR_NETWORK,
            "no DIMSE message arrived within " + std::to_string(handle.dimse_timeout)
                + " s, so the association was aborted");
        return MCD_EVENT_TIMED_OUT;
    }
    // NOTE: a peer that stops in the middle of a PDU ends here, not as MCD_EVENT_TIMED_OUT,
    // because DCMTK 3.6.7 wraps that read timeout into DIMSEC_READPDVFAILED.
    handle.abort();
    mcd_set_error(error, MCD_ERROR_NETWORK,
        std::string("receiving a DIMSE message failed: ") + status.text()
            + ", so the association was aborted");
    return MCD_ERROR_NETWORK;
}

// Skips the data set of a C-STORE that cannot be stored and reports `code` and `message`
// as MCD_EVENT_STORE_FAILED, unless the association failed meanwhile.
int reject_store(mcd_association &handle, int code, const std::string &message, mcd_error *error) {
    const OFCondition status = skip_data_set(handle);
    if (status.bad()) return network_failure(handle, status, error);
    mcd_set_error(error, code, message);
    return MCD_EVENT_STORE_FAILED;
}

int receive_store(
    mcd_association &handle, T_ASC_PresentationContextID context_id,
    const T_DIMSE_C_StoreRQ &request, const char *temporary_path, mcd_error *error) {
    handle.store_request = request;
    handle.store_context = context_id;
    handle.store_pending = true;
    handle.store_transfer_syntax.clear();

    T_ASC_PresentationContext context;
    OFCondition status =
        ASC_findAcceptedPresentationContext(handle.association->params, context_id, &context);
    if (status.bad()) {
        handle.abort();
        mcd_set_error(error, MCD_ERROR_NETWORK,
            "a C-STORE arrived on presentation context " + std::to_string(context_id)
                + ", which was not accepted, so the association was aborted");
        return MCD_ERROR_NETWORK;
    }
    handle.store_transfer_syntax = context.acceptedTransferSyntax;

    if (std::strcmp(context.abstractSyntax, request.AffectedSOPClassUID) != 0) {
        return reject_store(handle, MCD_ERROR_UNSUPPORTED,
            std::string("the C-STORE names SOP class ") + request.AffectedSOPClassUID
                + " but came on presentation context " + std::to_string(context_id)
                + ", which was negotiated for " + context.abstractSyntax,
            error);
    }
    if (temporary_path == nullptr || temporary_path[0] == '\0') {
        return reject_store(handle, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_association_next: no temporary path given for a C-STORE", error);
    }

    auto parse = std::make_unique<IncrementalParse>(
        DcmXfer(context.acceptedTransferSyntax).getXfer());
    const int fd = ::open(temporary_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        const int saved = errno;
        return reject_store(handle, error_code_for_errno(saved),
            std::string("cannot create the temporary file ") + temporary_path + ": "
                + std::strerror(saved),
            error);
    }

    DescriptorOutputStream stream(fd);
    // DCMTK writes each tag, VR, length and value apart, so the File Meta Information
    // (at most about 500 bytes) is encoded in memory and written with one system call.
    char meta[2048];
    DcmOutputBufferStream meta_stream(meta, sizeof meta);
    status = write_meta_information(meta_stream, request, context.acceptedTransferSyntax,
        handle.implementation_class_uid, handle.implementation_version, handle.calling_ae);
    if (status.good()) {
        void *bytes = nullptr;
        offile_off_t length = 0;
        meta_stream.flushBuffer(bytes, length);
        if (stream.write(bytes, length) != length) status = EC_InvalidStream;
    }
    const bool meta_written = status.good();
    T_ASC_PresentationContextID data_context = 0;
    if (meta_written) {
        stream.attach(parse.get());
        status = DIMSE_receiveDataSetInFile(handle.association, DIMSE_NONBLOCKING,
            handle.dimse_timeout, &data_context, &stream, nullptr, nullptr);
    }
    const int write_error = stream.error();
    const int close_error = ::close(fd) == 0 ? 0 : errno;

    const bool received = meta_written && status.good();
    if (received && data_context == context_id && close_error == 0) {
        parse->finish();
        handle.store_parse = std::move(parse);
        return MCD_EVENT_STORE;
    }
    ::unlink(temporary_path);

    if (!meta_written) {
        // The data set has not been read yet, so it is skipped before the response.
        const int file_error = write_error != 0 ? write_error : EIO;
        return reject_store(handle, error_code_for_errno(file_error),
            std::string("cannot write the File Meta Information to ") + temporary_path + ": "
                + (write_error != 0 ? std::strerror(write_error) : status.text()),
            error);
    }
    if (received && data_context != context_id) {
        handle.abort();
        mcd_set_error(error, MCD_ERROR_NETWORK,
            "a C-STORE data set arrived on presentation context "
                + std::to_string(data_context) + " but its command on "
                + std::to_string(context_id) + ", so the association was aborted");
        return MCD_ERROR_NETWORK;
    }
    // DIMSE_receiveDataSetInFile reports a failed write as DIMSEC_OUTOFRESOURCES once it
    // has consumed the rest of the data set, so the association can still respond.
    const bool write_failed =
        status.module() == OFM_dcmnet && status.code() == DIMSEC_OUTOFRESOURCES;
    if (received || write_failed) {
        int file_error = write_error != 0 ? write_error : close_error;
        if (file_error == 0) file_error = EIO;
        mcd_set_error(error, error_code_for_errno(file_error),
            std::string("cannot write the temporary file ") + temporary_path + ": "
                + std::strerror(file_error));
        return MCD_EVENT_STORE_FAILED;
    }
    return network_failure(handle, status, error);
}

} // namespace

mcd_association *mcd_association_receive(
    int socket_fd, const mcd_scp_config *config, mcd_association_request *request,
    mcd_error *error) {
    clear_request(request);
    if (!valid_config(config)) {
        if (socket_fd >= 0) ::close(socket_fd);
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_association_receive: invalid configuration (a string is missing, the "
            "maximum PDU size is outside 4096 to 131072 or a timeout is not positive)");
        return nullptr;
    }
    try {
        std::unique_ptr<mcd_association> handle =
            receive_request(socket_fd, *config, request, error);
        if (!handle) return nullptr;
        T_ASC_Parameters *params = handle->association->params;

        char context_name[DUL_LEN_NAME + 1] = "";
        ASC_getApplicationContextName(params, context_name, sizeof context_name);
        if (std::strcmp(context_name, dicom_application_context) != 0) {
            send_rejection(*handle, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED, request);
            mcd_set_error(error, MCD_ERROR_REJECTED,
                std::string("rejected the association: application context name ")
                    + context_name + " is not supported");
            return nullptr;
        }

        bool known_title = false;
        for (const std::string &title : mcd_split(config->ae_titles, '\\')) {
            if (mcd_trim_spaces(title) == handle->called_ae) known_title = true;
        }
        if (!known_title) {
            send_rejection(*handle, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED, request);
            mcd_set_error(error, MCD_ERROR_REJECTED,
                "rejected the association: called AE title \"" + handle->called_ae
                    + "\" is not one of \"" + config->ae_titles
                    + "\"; correct the sender's called AE title, or add it to ae_titles");
            return nullptr;
        }

        if (config->authorize != nullptr) {
            const int verdict = config->authorize(
                config->authorize_context, handle->calling_ae.c_str(), handle->called_ae.c_str());
            if (verdict == MCD_REJECT_LOCAL_LIMIT) {
                send_rejection(*handle, ASC_RESULT_REJECTEDTRANSIENT,
                    ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                    ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED, request);
                mcd_set_error(error, MCD_ERROR_REJECTED,
                    "rejected the association: the maximum number of associations is open");
                return nullptr;
            }
            if (verdict != MCD_ACCEPT) {
                const bool transient = verdict == MCD_REJECT_TRANSIENT_NO_REASON;
                const bool calling = verdict == MCD_REJECT_CALLING_AE_NOT_RECOGNIZED;
                send_rejection(*handle,
                    transient ? ASC_RESULT_REJECTEDTRANSIENT : ASC_RESULT_REJECTEDPERMANENT,
                    ASC_SOURCE_SERVICEUSER,
                    calling ? ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED : ASC_REASON_SU_NOREASON,
                    request);
                mcd_set_error(error, MCD_ERROR_REJECTED,
                    "rejected the association: the peer check refused calling AE title \""
                        + handle->calling_ae + "\"");
                return nullptr;
            }
        }

        int proposed = 0;
        int accepted = 0;
        char unused[1];
        char *rejected = request != nullptr ? request->rejected_contexts : unused;
        const size_t rejected_capacity =
            request != nullptr ? sizeof request->rejected_contexts : sizeof unused;
        rejected[0] = '\0';
        OFCondition status = negotiate_contexts(params,
            parse_presentation_table(config->presentation_table), proposed, accepted, rejected,
            rejected_capacity);
        if (request != nullptr) {
            request->proposed_contexts = proposed;
            request->accepted_contexts = accepted;
        }
        if (status.bad()) {
            // Out of resources here: reject as transient, so that the peer may try again.
            send_rejection(*handle, ASC_RESULT_REJECTEDTRANSIENT,
                ASC_SOURCE_SERVICEPROVIDER_ACSE_RELATED, ASC_REASON_SP_ACSE_NOREASON, request);
            mcd_set_error(error, MCD_ERROR_INTERNAL,
                std::string("negotiating presentation contexts failed: ") + status.text());
            return nullptr;
        }

        OFStandard::strlcpy(params->ourImplementationClassUID, config->implementation_class_uid,
            sizeof params->ourImplementationClassUID);
        OFStandard::strlcpy(params->ourImplementationVersionName,
            config->implementation_version_name, sizeof params->ourImplementationVersionName);
        status = ASC_acknowledgeAssociation(handle->association);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_NETWORK,
                std::string("ASC_acknowledgeAssociation failed: ") + status.text());
            return nullptr;
        }
        handle->open = true;
        return handle.release();
    } catch (const std::exception &exception) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_association_receive: ") + exception.what());
        return nullptr;
    }
}

const char *mcd_association_calling_ae(const mcd_association *association) {
    return association == nullptr ? "" : association->calling_ae.c_str();
}

const char *mcd_association_called_ae(const mcd_association *association) {
    return association == nullptr ? "" : association->called_ae.c_str();
}

int mcd_association_next(
    mcd_association *association, const char *temporary_path, mcd_error *error) {
    if (association == nullptr || !association->open) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_association_next: the association is not open");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    mcd_association &handle = *association;
    try {
        // A data set that the caller did not take is freed now, while the peer sends the
        // next message.
        handle.store_parse.reset();
        if (handle.store_pending) {
            handle.abort();
            mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
                "mcd_association_next: the last C-STORE has no response yet, so the "
                "association was aborted");
            return MCD_ERROR_INVALID_ARGUMENT;
        }

        T_ASC_PresentationContextID context_id = 0;
        T_DIMSE_Message message;
        std::memset(&message, 0, sizeof message);
        OFCondition status = DIMSE_receiveCommand(handle.association, DIMSE_NONBLOCKING,
            handle.dimse_timeout, &context_id, &message, nullptr);
        if (status == DUL_PEERREQUESTEDRELEASE) {
            handle.open = false;
            status = ASC_acknowledgeRelease(handle.association);
            if (status.bad()) {
                mcd_set_error(error, MCD_ERROR_NETWORK,
                    std::string("ASC_acknowledgeRelease failed: ") + status.text());
                return MCD_ERROR_NETWORK;
            }
            // The requestor closes the connection after the A-RELEASE-RP (PS3.8 State 13).
            ASC_dropSCPAssociation(handle.association, handle.association_timeout);
            return MCD_EVENT_RELEASED;
        }
        if (status.bad()) return network_failure(handle, status, error);

        switch (message.CommandField) {
        case DIMSE_C_ECHO_RQ:
            status = DIMSE_sendEchoResponse(
                handle.association, context_id, &message.msg.CEchoRQ, status_success, nullptr);
            if (status.bad()) {
                handle.abort();
                mcd_set_error(error, MCD_ERROR_NETWORK,
                    std::string("DIMSE_sendEchoResponse failed: ") + status.text());
                return MCD_ERROR_NETWORK;
            }
            return MCD_EVENT_ECHO;
        case DIMSE_C_STORE_RQ:
            return receive_store(
                handle, context_id, message.msg.CStoreRQ, temporary_path, error);
        default:
            handle.abort();
            mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
                "received " + command_name(message.CommandField)
                    + ", which this Storage SCP does not support, so the association was "
                      "aborted");
            return MCD_ERROR_UNSUPPORTED;
        }
    } catch (const std::exception &exception) {
        handle.abort();
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_association_next: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}

const char *mcd_association_store_sop_class(const mcd_association *association) {
    return association == nullptr ? "" : association->store_request.AffectedSOPClassUID;
}

const char *mcd_association_store_sop_instance(const mcd_association *association) {
    return association == nullptr ? "" : association->store_request.AffectedSOPInstanceUID;
}

const char *mcd_association_store_transfer_syntax(const mcd_association *association) {
    return association == nullptr ? "" : association->store_transfer_syntax.c_str();
}

int mcd_association_take_store_dataset(
    mcd_association *association, mcd_dataset **dataset, mcd_error *error) {
    if (dataset != nullptr) *dataset = nullptr;
    if (association == nullptr || dataset == nullptr || !association->store_parse) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_association_take_store_dataset: no C-STORE data set was received");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    mcd_association &handle = *association;
    IncrementalParse &parse = *handle.store_parse;
    try {
        switch (parse.state()) {
        case IncrementalParse::State::failed:
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("data set of SOP instance ")
                    + handle.store_request.AffectedSOPInstanceUID + ": " + parse.failure());
            return MCD_ERROR_PARSE;
        case IncrementalParse::State::parsed:
            *dataset = mcd_dataset_adopt(parse.take(), handle.store_transfer_syntax);
            return MCD_OK;
        default:
            return MCD_OK;
        }
    } catch (const std::exception &exception) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_association_take_store_dataset: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}

int mcd_association_respond_store(
    mcd_association *association, uint16_t status, const char *error_comment, mcd_error *error) {
    if (association == nullptr || !association->open || !association->store_pending) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_association_respond_store: no C-STORE is waiting for a response");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    mcd_association &handle = *association;
    try {
        handle.store_pending = false;
        T_DIMSE_C_StoreRSP response;
        std::memset(&response, 0, sizeof response);
        response.MessageIDBeingRespondedTo = handle.store_request.MessageID;
        response.DimseStatus = status;
        response.DataSetType = DIMSE_DATASET_NULL;
        response.opts = O_STORE_AFFECTEDSOPCLASSUID | O_STORE_AFFECTEDSOPINSTANCEUID;
        OFStandard::strlcpy(response.AffectedSOPClassUID, handle.store_request.AffectedSOPClassUID,
            sizeof response.AffectedSOPClassUID);
        OFStandard::strlcpy(response.AffectedSOPInstanceUID,
            handle.store_request.AffectedSOPInstanceUID, sizeof response.AffectedSOPInstanceUID);

        DcmDataset detail;
        DcmDataset *detail_pointer = nullptr;
        if (status != status_success && error_comment != nullptr && error_comment[0] != '\0') {
            // LO: at most 64 characters of the default repertoire, no backslash.
            std::string comment(error_comment, strnlen(error_comment, 64));
            for (char &character : comment) {
                const unsigned char byte = static_cast<unsigned char>(character);
                if (byte < 0x20 || byte >= 0x7f || byte == '\\') character = ' ';
            }
            detail.putAndInsertString(DCM_ErrorComment, comment.c_str());
            detail_pointer = &detail;
        }

        OFCondition result = DIMSE_sendStoreResponse(handle.association, handle.store_context,
            &handle.store_request, &response, detail_pointer);
        if (result.bad()) {
            handle.abort();
            mcd_set_error(error, MCD_ERROR_NETWORK,
                std::string("DIMSE_sendStoreResponse failed: ") + result.text());
            return MCD_ERROR_NETWORK;
        }
        return MCD_OK;
    } catch (const std::exception &exception) {
        handle.abort();
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_association_respond_store: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}

void mcd_association_free(mcd_association *association) {
    try {
        delete association;
    } catch (...) {
        // A destructor that throws leaves nothing to report to; the memory is lost.
    }
}
