// Decoding of values written with ISO 2022 code extensions (Specific Character Set terms
// "ISO 2022 IR ..."), for the multi-byte sets that Debian's DCMTK 3.6.7 cannot convert
// with glibc's iconv: it reports "ISO 2022 IR 87 is not supported by the utilized
// character set conversion library". Each run of characters between escape sequences is
// converted on its own with iconv, from the EUC or ISO 8859 form of its character set.

#include "shim_support.h"

#include <cerrno>
#include <cstring>
#include <iconv.h>
#include <string>
#include <vector>

namespace {

// The byte layout of one designated character set, which decides its conversion.
enum class Form {
    ascii,           // 7-bit bytes as they are
    single_byte,     // G1 bytes 0xA0-0xFF, converted with `encoding`
    jis_x0208,       // G0 byte pairs; with 0x80 added each is EUC-JP
    jis_x0212,       // G0 byte pairs; 0x8F then each byte plus 0x80 is EUC-JP
    jis_x0201_kana,  // G1 bytes 0xA1-0xDF; 0x8E then the byte is EUC-JP
    double_byte_g1,  // G1 byte pairs 0xA1-0xFE, converted with `encoding`
};

struct CharacterSet {
    const char *term;    // the Specific Character Set term
    const char *escape;  // the escape sequence after ESC
    bool g1;             // designated to G1, else G0
    Form form;
    const char *encoding;
};

// The ISO 2022 terms of PS3.3 C.12.1.1.2 with their escape sequences (PS3.5 6.1.2.5.3).
const CharacterSet character_sets[] = {
    {"ISO 2022 IR 6", "(B", false, Form::ascii, nullptr},
    {"ISO 2022 IR 13", "(J", false, Form::ascii, nullptr},
    {"ISO 2022 IR 13", ")I", true, Form::jis_x0201_kana, "EUC-JP"},
    {"ISO 2022 IR 87", "$B", false, Form::jis_x0208, "EUC-JP"},
    {"ISO 2022 IR 159", "$(D", false, Form::jis_x0212, "EUC-JP"},
    {"ISO 2022 IR 100", "-A", true, Form::single_byte, "ISO-8859-1"},
    {"ISO 2022 IR 101", "-B", true, Form::single_byte, "ISO-8859-2"},
    {"ISO 2022 IR 109", "-C", true, Form::single_byte, "ISO-8859-3"},
    {"ISO 2022 IR 110", "-D", true, Form::single_byte, "ISO-8859-4"},
    {"ISO 2022 IR 144", "-L", true, Form::single_byte, "ISO-8859-5"},
    {"ISO 2022 IR 127", "-G", true, Form::single_byte, "ISO-8859-6"},
    {"ISO 2022 IR 126", "-F", true, Form::single_byte, "ISO-8859-7"},
    {"ISO 2022 IR 138", "-H", true, Form::single_byte, "ISO-8859-8"},
    {"ISO 2022 IR 148", "-M", true, Form::single_byte, "ISO-8859-9"},
    {"ISO 2022 IR 166", "-T", true, Form::single_byte, "TIS-620"},
    {"ISO 2022 IR 149", "$)C", true, Form::double_byte_g1, "EUC-KR"},
    {"ISO 2022 IR 58", "$)A", true, Form::double_byte_g1, "GB2312"},
};

// Converts `bytes` from `encoding` to UTF-8 and appends them to `out`.
bool convert(const char *encoding, const std::string &bytes, std::string &out) {
    if (bytes.empty()) return true;
    iconv_t descriptor = iconv_open("UTF-8", encoding);
    if (descriptor == reinterpret_cast<iconv_t>(-1)) return false;
    std::string input = bytes;
    std::vector<char> buffer(input.size() * 4 + 16);
    char *in = input.data();
    size_t in_left = input.size();
    char *result = buffer.data();
    size_t out_left = buffer.size();
    const size_t status = iconv(descriptor, &in, &in_left, &result, &out_left);
    iconv_close(descriptor);
    if (status == size_t(-1) || in_left != 0) return false;
    out.append(buffer.data(), buffer.size() - out_left);
    return true;
}

// Re-encodes a run of `bytes` in `set` as its EUC or ISO 8859 form and converts it.
bool convert_run(const CharacterSet *set, const std::string &bytes, std::string &out) {
    if (set == nullptr || set->form == Form::ascii) {
        out += bytes;
        return true;
    }
    std::string encoded;
    switch (set->form) {
    case Form::jis_x0208:
    case Form::jis_x0212:
        if (bytes.size() % 2 != 0) return false;
        for (size_t i = 0; i < bytes.size(); i += 2) {
            if (set->form == Form::jis_x0212) encoded += char(0x8F);
            encoded += char(bytes[i] | 0x80);
            encoded += char(bytes[i + 1] | 0x80);
        }
        break;
    case Form::jis_x0201_kana:
        for (char byte : bytes) {
            encoded += char(0x8E);
            encoded += byte;
        }
        break;
    default:
        encoded = bytes;
        break;
    }
    return convert(set->encoding, encoded, out);
}

const CharacterSet *find_escape(const std::string &value, size_t position, size_t &length) {
    for (const CharacterSet &set : character_sets) {
        const size_t size = std::strlen(set.escape);
        if (value.compare(position, size, set.escape) == 0) {
            length = size;
            return &set;
        }
    }
    return nullptr;
}

} // namespace

bool mcd_decode_iso2022(
    const std::string &value, const std::vector<std::string> &terms, std::string &out) {
    // The first term sets what G0 and G1 hold at the start of the value and after each
    // delimiter. An empty first term is ISO-IR 6 (ASCII) in G0 and nothing in G1.
    const CharacterSet *initial_g0 = nullptr;
    const CharacterSet *initial_g1 = nullptr;
    if (!terms.empty()) {
        for (const CharacterSet &set : character_sets) {
            if (terms[0] != set.term) continue;
            if (set.g1) {
                initial_g1 = &set;
            } else if (set.form == Form::ascii) {
                initial_g0 = &set;
            }
        }
    }
    const CharacterSet *g0 = initial_g0;
    const CharacterSet *g1 = initial_g1;

    std::string decoded;
    std::string run_g0;
    std::string run_g1;
    auto flush = [&]() {
        const bool good = convert_run(g0, run_g0, decoded) && convert_run(g1, run_g1, decoded);
        run_g0.clear();
        run_g1.clear();
        return good;
    };
    for (size_t i = 0; i < value.size(); i++) {
        const unsigned char byte = static_cast<unsigned char>(value[i]);
        if (byte == 0x1B) {
            size_t length = 0;
            const CharacterSet *set = find_escape(value, i + 1, length);
            if (set == nullptr || !flush()) return false;
            (set->g1 ? g1 : g0) = set;
            i += length;
            continue;
        }
        const bool single_byte_g0 = g0 == nullptr || g0->form == Form::ascii;
        if (byte < 0x80 && single_byte_g0
            && (byte == '^' || byte == '=' || byte == '\\' || byte < 0x20)) {
            // Delimiters and control characters return both sets to their initial state.
            if (!flush()) return false;
            decoded += char(byte);
            g0 = initial_g0;
            g1 = initial_g1;
            continue;
        }
        if (byte < 0x80) {
            if (!run_g1.empty() && !flush()) return false;
            run_g0 += char(byte);
        } else {
            if (g1 == nullptr) return false;
            if (!run_g0.empty() && !flush()) return false;
            run_g1 += char(byte);
        }
    }
    if (!flush()) return false;
    out = decoded;
    return true;
}
