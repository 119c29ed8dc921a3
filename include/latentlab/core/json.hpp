#pragma once
// JsonWriter: JSON text for run configs, metric logs and manifests, written in one pass.
// Numbers are written in the shortest form that reads back to the same double (to_chars);
// NaN and ±Inf, which JSON cannot hold, are written as null. Strings are escaped.
//
//   JsonWriter json;
//   json.begin_object().key("epochs").value(25).key("losses").begin_array();
//   for (double l : losses) json.value(l);
//   json.end_array().end_object();
//   write_text_file(dir / "metrics.json", json.str());
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "latentlab/core/error.hpp"

namespace latentlab {

class JsonWriter {
public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    JsonWriter& key(std::string_view name) {
        require(!stack_.empty() && stack_.back().bracket == '{', "JsonWriter: a key outside an object");
        separate();
        append_string(name);
        text_ += ": ";
        after_key_ = true;
        return *this;
    }
    JsonWriter& value(std::string_view text) {
        separate();
        append_string(text);
        return *this;
    }
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(bool flag) {
        separate();
        text_ += flag ? "true" : "false";
        return *this;
    }
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    JsonWriter& value(I number) {
        separate();
        text_ += std::to_string(number);
        return *this;
    }
    JsonWriter& value(double number) {
        separate();
        if (!std::isfinite(number)) {
            text_ += "null";
            return *this;
        }
        char buffer[32];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
        text_.append(buffer, result.ptr);
        return *this;
    }
    JsonWriter& value(float number) { return value(static_cast<double>(number)); }
    JsonWriter& null() {
        separate();
        text_ += "null";
        return *this;
    }
    template <class Range>
        requires requires(const Range& r) { r.begin(); r.end(); } && (!std::convertible_to<Range, std::string_view>)
    JsonWriter& array(const Range& values) {
        begin_array();
        for (const auto& v : values) value(v);
        return end_array();
    }

    // The text; every object and array must be closed.
    const std::string& str() const {
        require(stack_.empty(), "JsonWriter: ", stack_.size(), " object(s) or array(s) left open");
        return text_;
    }

private:
    struct Level {
        char bracket;
        bool empty = true;
    };

    JsonWriter& open(char bracket) {
        separate();
        text_ += bracket;
        stack_.push_back({bracket});
        return *this;
    }
    JsonWriter& close(char bracket) {
        const char opening = bracket == '}' ? '{' : '[';
        require(!stack_.empty() && stack_.back().bracket == opening && !after_key_, "JsonWriter: unbalanced '",
                bracket, "'");
        const bool empty = stack_.back().empty;
        stack_.pop_back();
        if (!empty && bracket == '}') indent();
        text_ += bracket;
        return *this;
    }
    // Before a value or key: the comma and line break that separate it from the previous one.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (stack_.empty()) {
            require(text_.empty(), "JsonWriter: a second top-level value");
            return;
        }
        const bool first = stack_.back().empty;
        stack_.back().empty = false;
        // Arrays stay on one line (columns of numbers); objects get a line per member.
        if (stack_.back().bracket == '[') {
            if (!first) text_ += ", ";
            return;
        }
        if (!first) text_ += ',';
        indent();
    }
    void indent() {
        text_ += '\n';
        text_.append(2 * stack_.size(), ' ');
    }
    void append_string(std::string_view s) {
        text_ += '"';
        for (const char c : s) {
            switch (c) {
                case '"': text_ += "\\\""; break;
                case '\\': text_ += "\\\\"; break;
                case '\n': text_ += "\\n"; break;
                case '\r': text_ += "\\r"; break;
                case '\t': text_ += "\\t"; break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char escaped[8];
                        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                        text_ += escaped;
                    } else {
                        text_ += c;  // UTF-8 passes through unchanged
                    }
            }
        }
        text_ += '"';
    }

    std::string text_;
    std::vector<Level> stack_;
    bool after_key_ = false;
};

}  // namespace latentlab
