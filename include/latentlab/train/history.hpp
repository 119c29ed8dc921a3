#pragma once
// History: what a training run measured, one row per epoch and one named column per
// quantity ("epoch", "phase", "lr", "loss", "val_mean_iou", …). The first row fixes the
// columns. Written as CSV and JSON into the run directory, and stored in checkpoints so a
// resumed run continues the same curves.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/core/json.hpp"
#include "latentlab/train/checkpoint.hpp"

namespace latentlab::train {

class History {
public:
    using Row = std::vector<std::pair<std::string, double>>;

    void add(const Row& row) {
        if (rows_.empty() && columns_.empty())
            for (const auto& [name, value] : row) columns_.push_back(name);
        require(row.size() == columns_.size(), "History: an epoch with ", row.size(), " values, the history has ",
                columns_.size(), " columns");
        std::vector<double> values;
        for (std::size_t i = 0; i < row.size(); ++i) {
            require(row[i].first == columns_[i], "History: column ", i, " is \"", columns_[i], "\", not \"",
                    row[i].first, "\"");
            values.push_back(row[i].second);
        }
        rows_.push_back(std::move(values));
    }

    std::size_t epochs() const { return rows_.size(); }
    bool empty() const { return rows_.empty(); }
    const std::vector<std::string>& columns() const { return columns_; }
    bool has(std::string_view name) const { return std::ranges::find(columns_, name) != columns_.end(); }
    std::vector<double> column(std::string_view name) const {
        const std::size_t c = index(name);
        std::vector<double> values;
        for (const auto& row : rows_) values.push_back(row[c]);
        return values;
    }
    // The value of `name` in epoch row `epoch` (0-based); the last epoch by default.
    double at(std::string_view name, std::size_t epoch) const {
        require(epoch < rows_.size(), "History: epoch ", epoch, " of ", rows_.size());
        return rows_[epoch][index(name)];
    }
    double last(std::string_view name) const {
        require(!rows_.empty(), "History: no epoch yet");
        return at(name, rows_.size() - 1);
    }

    std::string to_csv() const {
        std::string out;
        for (std::size_t c = 0; c < columns_.size(); ++c) out += (c ? "," : "") + columns_[c];
        out += '\n';
        for (const auto& row : rows_) {
            for (std::size_t c = 0; c < row.size(); ++c) {
                if (c) out += ',';
                append_number(out, row[c]);
            }
            out += '\n';
        }
        return out;
    }
    // {"columns": [...], "epochs": [{"epoch": 1, "loss": …}, …]}
    std::string to_json() const {
        JsonWriter json;
        json.begin_object().key("columns").array(columns_).key("epochs").begin_array();
        for (const auto& row : rows_) {
            json.begin_object();
            for (std::size_t c = 0; c < row.size(); ++c) json.key(columns_[c]).value(row[c]);
            json.end_object();
        }
        json.end_array().end_object();
        return json.str() + "\n";
    }

    void save(CheckpointWriter& writer) const {
        std::string names;
        for (const auto& c : columns_) names += c + "\n";
        writer.add_text("history.columns", names);
        std::vector<double> flat;
        for (const auto& row : rows_) flat.insert(flat.end(), row.begin(), row.end());
        writer.add("history.values", std::span<const double>(flat), {rows_.size(), columns_.size()});
    }
    static History restore(const CheckpointReader& reader) {
        History history;
        const std::string names = reader.text("history.columns");
        for (std::size_t begin = 0; begin < names.size();) {
            const std::size_t end = names.find('\n', begin);
            require(end != std::string::npos, "checkpoint ", reader.file(), ": malformed history.columns");
            history.columns_.push_back(names.substr(begin, end - begin));
            begin = end + 1;
        }
        const auto& record = reader.record("history.values");
        const std::size_t columns = history.columns_.size();
        require(record.shape.size() == 2 && record.shape[1] == columns, "checkpoint ", reader.file(),
                ": history.values does not match its ", columns, " columns");
        const auto flat = reader.values<double>("history.values");
        for (std::size_t r = 0; r < record.shape[0]; ++r)
            history.rows_.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(r * columns),
                                       flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * columns));
        return history;
    }

private:
    std::size_t index(std::string_view name) const {
        const auto it = std::ranges::find(columns_, name);
        if (it == columns_.end()) {
            std::string known;
            for (const auto& c : columns_) known += (known.empty() ? "" : ", ") + c;
            fail("History: no column \"", name, "\" (columns: ", known, ")");
        }
        return static_cast<std::size_t>(it - columns_.begin());
    }
    static void append_number(std::string& out, double value) {
        if (std::isnan(value)) {
            out += "nan";
            return;
        }
        char buffer[32];
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
    }

    std::vector<std::string> columns_;
    std::vector<std::vector<double>> rows_;
};

}  // namespace latentlab::train
