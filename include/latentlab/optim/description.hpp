#pragma once
// Description: the one-line text of an optimizer or schedule with every option, as run configs
// record it — "SGD(lr=0.02, momentum=0, nesterov=false)". Numbers are written in the shortest
// form that reads back to the same double, so a run config pins the exact values.
#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace latentlab::optim {

class Description {
public:
    explicit Description(std::string_view name) : text_(name) { text_ += '('; }

    template <class V>
    Description& add(std::string_view option, const V& value) {
        if (text_.back() != '(') text_ += ", ";
        text_ += option;
        text_ += '=';
        if constexpr (std::same_as<V, bool>) {
            text_ += value ? "true" : "false";
        } else if constexpr (std::floating_point<V>) {
            char buffer[32];
            text_.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(value)).ptr);
        } else if constexpr (std::integral<V>) {
            text_ += std::to_string(value);
        } else {
            text_ += std::string_view(value);
        }
        return *this;
    }

    std::string str() const { return text_ + ')'; }

private:
    std::string text_;
};

}  // namespace latentlab::optim
