#pragma once
// Decompressing gzip data in memory (RFC 1952), as gunzip does: several members one after
// another are one stream. Anything else after the last member, a stream that stops before
// its end, or corrupt data is an Error: a damaged download must not yield a short array.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <zlib.h>

#include "latentlab/core/error.hpp"

namespace latentlab::data {

// The two bytes every gzip member starts with.
inline bool has_gzip_magic(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
}

// Decompresses `compressed`, a whole gzip file; `file` names it in messages.
inline std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> compressed, const std::string& file) {
    struct Inflater {  // releases zlib's state on every way out, exceptions included
        z_stream stream{};
        ~Inflater() { inflateEnd(&stream); }
    } inflater;
    z_stream& stream = inflater.stream;
    // windowBits 16 + MAX_WBITS: expect a gzip header and trailer (checks CRC-32 and length).
    require(inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK, file, ": cannot initialise zlib");
    // zlib counts in 32-bit unsigned ints: feed and drain in pieces of at most 1 GiB.
    constexpr std::size_t piece = std::size_t{1} << 30;
    std::vector<std::uint8_t> out(std::clamp<std::size_t>(compressed.size() * 4, 4096, piece));
    std::size_t in_pos = 0, out_pos = 0;
    for (;;) {
        if (out_pos == out.size()) out.resize(out.size() + std::min(out.size(), piece));
        const std::size_t in_piece = std::min(compressed.size() - in_pos, piece);
        const std::size_t out_piece = std::min(out.size() - out_pos, piece);
        stream.next_in = const_cast<Bytef*>(compressed.data() + in_pos);  // zlib does not write it
        stream.avail_in = static_cast<uInt>(in_piece);
        stream.next_out = out.data() + out_pos;
        stream.avail_out = static_cast<uInt>(out_piece);
        const int status = inflate(&stream, Z_NO_FLUSH);
        in_pos += in_piece - stream.avail_in;
        out_pos += out_piece - stream.avail_out;
        if (status == Z_STREAM_END) {
            if (in_pos == compressed.size()) break;
            if (!has_gzip_magic(compressed.subspan(in_pos))) {
                fail(file, ": corrupt gzip file: ", compressed.size() - in_pos,
                     " bytes that are not a gzip member follow the compressed data (which ends at byte ", in_pos,
                     " of ", compressed.size(), ")");
            }
            inflateReset(&stream);  // the next member
        } else if (status == Z_DATA_ERROR || status == Z_NEED_DICT) {
            fail(file, ": corrupt gzip data (zlib: ", stream.msg ? stream.msg : "invalid data", ") after ", in_pos,
                 " of ", compressed.size(), " compressed bytes");
        } else if (status == Z_MEM_ERROR) {
            fail(file, ": out of memory while decompressing");
        } else if (status == Z_BUF_ERROR && in_pos == compressed.size() && stream.avail_out > 0) {
            fail(file, ": truncated gzip file: the compressed data stops after ", compressed.size(),
                 " bytes, before the end of the stream (", out_pos, " bytes decompressed so far)");
        } else if (status != Z_OK && status != Z_BUF_ERROR) {
            fail(file, ": zlib error ", status, " while decompressing");
        }
    }
    out.resize(out_pos);
    return out;
}

}  // namespace latentlab::data
