#pragma once
// Network<Spec, InputShape, Backend, T>: a layer spec made into a trainable model. Owns the
// flat parameter, gradient and state arrays (every layer holds a slice), and the workspace
// arena planned once for a maximum batch size. forward/backward then run without
// allocating. Bad run-time input (batch 0, a batch larger than planned, NaN/Inf, backward
// before forward) raises latentlab::Error.
// The arrays and the workspace live in the backend's memory (Backend::memory: host memory
// for Cpu, device memory for Cuda). forward() takes host images and returns a view in the
// backend's memory; parameters()/gradients()/state() are spans where that memory is the
// host's, and *_to_host()/*_from_host() copy on every backend. Initial values are drawn on
// the host whatever the backend, so one seed gives the same network everywhere.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/buffer.hpp"
#include "latentlab/core/finite.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

enum class Mode { eval, train };

struct NetworkOptions {
    std::uint64_t seed = 0;  // initial weights and dropout masks
};

template <class Spec, ShapeType In, class Backend = Cpu, class T = float>
class Network {
    static_assert(checks::input_is_valid<Network, In>());

public:
    using Root = layer_t<Spec, In, T, Backend>;
    using memory = typename Backend::memory;
    static constexpr bool on_host = std::is_same_v<memory, HostMemory>;
    static_assert(LayerFor<Root, T, Backend>, "the network's root is not a layer: see layers/layer.hpp");
    using input_shape = In;
    using output_shape = typename Root::output_shape;
    using value_type = T;
    static constexpr std::size_t parameter_count = Root::parameter_count;
    static constexpr std::size_t state_count = Root::state_count;
    static constexpr std::size_t flops = Root::flops;  // forward, per image

    explicit Network(NetworkOptions options = {}, Backend backend = {})
        : options_(options),
          backend_(std::move(backend)),
          parameters_(backend_.template allocate<T>(parameter_count)),
          gradients_(backend_.template allocate<T>(parameter_count)),
          state_(backend_.template allocate<T>(state_count)) {
        // Layers initialise their slices in place: on a device backend, in host copies that
        // are then uploaded, and the layers re-attached to the device arrays.
        AlignedBuffer<T> host_values, host_state;
        T* values = parameters_.data();
        T* state = state_.data();
        if constexpr (!on_host) {
            host_values = AlignedBuffer<T>(parameter_count);
            host_state = AlignedBuffer<T>(state_count);
            values = host_values.data();
            state = host_state.data();
        }
        attach(values, state);
        link_layers(root_);
        Rng rng(options_.seed, /*stream=*/0);
        root_.initialize(rng);
        if constexpr (!on_host) {
            copy_in(backend_, host_values.data(), host_values.size(), parameters_.data());
            copy_in(backend_, host_state.data(), host_state.size(), state_.data());
            attach(parameters_.data(), state_.data());
        }
    }
    // Layers hold pointers into this object (parameter slices, links between layers).
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    // Allocates everything a step needs for batches of up to max_batch images.
    void plan(std::size_t max_batch) {
        require(max_batch > 0, "Network::plan: the batch size must be positive");
        workspace_.plan(
            [&](Arena& arena) {
                input_ = arena.take<T>(max_batch * In::size);
                output_ = arena.take<T>(max_batch * output_shape::size);
                root_.plan(arena, max_batch, backend_);
            },
            [&](std::size_t bytes) { return backend_.template allocate<std::byte>(bytes); });
        planned_batch_ = max_batch;
        last_batch_ = 0;
    }
    std::size_t planned_batch() const { return planned_batch_; }
    std::size_t workspace_bytes() const { return workspace_.bytes(); }

    // Runs the network on host images x (copied into the workspace, so x may change
    // afterwards). The returned view, in the backend's memory, stays valid until the next
    // forward or plan.
    TensorView<const T, output_shape, memory> forward(ConstView<T, In> x, Mode mode = Mode::eval) {
        check_batch(x.batch, "forward");
        if constexpr (on_host) copy_checking_finite(x);
        else {
            if (any_not_finite(x)) report_not_finite(x);
            copy_in(backend_, x.data, x.size(), input_);
        }
        last_batch_ = x.batch;
        last_mode_ = mode;
        if (mode == Mode::train) ++step_;
        root_.forward(backend_, pass(), {input_, x.batch}, {output_, x.batch});
        return {output_, x.batch};
    }

    // The last forward's output, copied to the host.
    HostTensor<T, output_shape> output_to_host() const {
        require(last_batch_ > 0, "Network::output_to_host: call forward first");
        HostTensor<T, output_shape> y(last_batch_);
        copy_out(backend_, output_, y.size(), y.data());
        return y;
    }

    // Accumulates parameter gradients for the last forward; writes ∂L/∂x into dx when dx has
    // data (saliency, gradient checks). Both views are in the backend's memory.
    void backward(TensorView<const T, output_shape, memory> dy, TensorView<T, In, memory> dx = {}) {
        require(last_batch_ > 0, "Network::backward: call forward first (backward needs its activations)");
        require(dy.batch == last_batch_, "Network::backward: the output gradient holds ", dy.batch,
                " images but the last forward ran on ", last_batch_);
        require(dx.data == nullptr || dx.batch == last_batch_, "Network::backward: dx holds ", dx.batch,
                " images but the last forward ran on ", last_batch_);
        root_.backward(backend_, pass(), {input_, last_batch_}, {output_, last_batch_}, {dy.data, dy.batch},
                       {dx.data, dx.batch});
    }

    void zero_grad() { fill_zero(backend_, gradients_.data(), gradients_.size()); }

    std::span<T> parameters() requires on_host { return {parameters_.data(), parameters_.size()}; }
    std::span<const T> parameters() const requires on_host { return {parameters_.data(), parameters_.size()}; }
    std::span<T> gradients() requires on_host { return {gradients_.data(), gradients_.size()}; }
    std::span<const T> gradients() const requires on_host { return {gradients_.data(), gradients_.size()}; }
    std::span<T> state() requires on_host { return {state_.data(), state_.size()}; }
    std::span<const T> state() const requires on_host { return {state_.data(), state_.size()}; }

    // Copies of the flat arrays on the host, and loading them back, on every backend.
    std::vector<T> parameters_to_host() const { return to_host(parameters_); }
    std::vector<T> gradients_to_host() const { return to_host(gradients_); }
    std::vector<T> state_to_host() const { return to_host(state_); }
    void parameters_from_host(std::span<const T> values) { from_host(values, parameters_, "parameters"); }
    void state_from_host(std::span<const T> values) { from_host(values, state_, "state"); }
    const std::vector<ParameterInfo>& parameter_infos() const { return infos_; }

    Root& root() { return root_; }
    Backend& backend() { return backend_; }
    // Dropout masks are a function of (seed, step, layer, element): a resumed run sets both
    // to the interrupted run's to draw the same masks.
    std::uint64_t step() const { return step_; }
    void set_step(std::uint64_t step) { step_ = step; }
    std::uint64_t seed() const { return options_.seed; }
    void set_seed(std::uint64_t seed) { options_.seed = seed; }

    // A Keras/torchsummary-like table: layer, output shape, parameters, forward MFLOPs.
    std::string summary() {
        std::ostringstream out;
        out << std::left << std::setw(44) << "Layer" << std::setw(14) << "Output" << std::right << std::setw(10)
            << "Params" << std::setw(12) << "MFLOP/img" << "\n"
            << std::string(80, '-') << "\n";
        visit_layers(root_, [&](auto& layer, int depth) {
            using L = std::remove_cvref_t<decltype(layer)>;
            std::ostringstream shape;
            shape << L::output_shape::dims;
            out << std::left << std::setw(44) << (std::string(2 * depth, ' ') + L::name()) << std::setw(14)
                << shape.str() << std::right << std::setw(10) << L::parameter_count << std::setw(12) << std::fixed
                << std::setprecision(3) << L::flops / 1e6 << "\n";
        });
        out << std::string(80, '-') << "\n"
            << "Input " << In::dims << ", output " << output_shape::dims << "\n"
            << "Trainable parameters: " << parameter_count << ", non-trainable: " << state_count << "\n"
            << "Forward: " << flops / 1e6 << " MFLOP per image (training step ~3x)\n";
        if (planned_batch_ > 0)
            out << "Workspace: " << workspace_.bytes() / 1048576.0 << " MiB for batches of " << planned_batch_ << "\n";
        return out.str();
    }

private:
    Pass pass() const { return {last_mode_ == Mode::train, options_.seed, step_}; }

    void check_batch(std::size_t batch, const char* call) const {
        require(planned_batch_ > 0, "Network::", call, ": no workspace yet; call plan(max_batch) first");
        require(batch > 0, "Network::", call, ": the batch is empty (0 images)");
        require(batch <= planned_batch_, "Network::", call, ": batch of ", batch,
                " images is larger than the planned workspace (", planned_batch_, "); call plan(", batch,
                ") first");
    }
    template <class Buffer>
    std::vector<T> to_host(const Buffer& buffer) const {
        std::vector<T> host(buffer.size());
        copy_out(backend_, buffer.data(), buffer.size(), host.data());
        return host;
    }
    template <class Buffer>
    void from_host(std::span<const T> values, Buffer& buffer, const char* what) {
        require(values.size() == buffer.size(), "Network::", what, "_from_host: ", values.size(),
                " values given, the network has ", buffer.size());
        copy_in(backend_, values.data(), values.size(), buffer.data());
    }

    // Takes each layer's slices of the parameter and state arrays (gradients always on the
    // backend) and records the parameters' names.
    void attach(T* values, T* state) {
        ParameterCursor<T> cursor(values, gradients_.data(), state);
        root_.attach(cursor);
        infos_ = cursor.infos();
    }

    // Copies x into the workspace and fails on NaN/Inf, in one vectorizable pass
    // (core/finite.hpp).
    void copy_checking_finite(ConstView<T, In> x) {
        bool not_finite = false;
        for (std::size_t i = 0; i < x.size(); ++i) {
            input_[i] = x.data[i];
            not_finite |= not_finite_bits(x.data[i]);
        }
        if (not_finite) report_not_finite(x);
    }
    static bool any_not_finite(ConstView<T, In> x) {
        bool not_finite = false;
        for (std::size_t i = 0; i < x.size(); ++i) not_finite |= not_finite_bits(x.data[i]);
        return not_finite;
    }
    [[noreturn]] static void report_not_finite(ConstView<T, In> x) {
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!std::isfinite(x.data[i])) {
                const std::size_t image = i / In::size, rest = i % In::size;
                const std::size_t row = rest / (In::width * In::channels);
                const std::size_t col = rest / In::channels % In::width;
                fail("Network::forward: input value ", x.data[i], " at image ", image, ", row ", row, ", column ",
                     col, ", channel ", rest % In::channels, " is not finite");
            }
        fail("Network::forward: the input is not finite");
    }

    NetworkOptions options_;
    Backend backend_;
    typename Backend::template Buffer<T> parameters_, gradients_, state_;
    std::vector<ParameterInfo> infos_;
    Root root_;
    Workspace<typename Backend::template Buffer<std::byte>> workspace_;
    T* input_ = nullptr;
    T* output_ = nullptr;
    std::size_t planned_batch_ = 0;
    std::size_t last_batch_ = 0;
    Mode last_mode_ = Mode::eval;
    std::uint64_t step_ = 0;
};

}  // namespace latentlab
