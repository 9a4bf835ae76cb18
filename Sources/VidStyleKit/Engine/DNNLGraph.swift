import Foundation
import CDNNL
import CKernels

/// Owns a oneDNN engine, stream, and every primitive and memory object of one built network,
/// and records the ordered primitive calls that make up one forward pass.
///
/// Keeping ownership in one place (host frame buffers included) means everything is freed in one
/// sweep when the network goes, and a build that throws halfway neither leaks nor double-frees
/// (this deinit runs exactly once either way). `execute()`
/// walks prebuilt argument arrays, so a forward pass allocates nothing on the Swift heap.
///
/// Every primitive uses a user-managed scratchpad: oneDNN's library-managed one is kept per
/// thread, so a network built on one thread and run on another (the stylize stage's own thread)
/// read a scratchpad that was never allocated there and crashed. All steps share one
/// scratchpad buffer, as they run one after another.
///
/// Activations (every tensor a step writes, other than the caller's input and output frames) live
/// in one arena, planned by liveness: while the network is built, each new activation buffer is
/// recorded with the span of build ops from the one that first writes it to the last one that
/// reads it (`activationBuffer`, `endOp`), and its memory objects are created without a buffer.
/// `prepare()` then gives every buffer an offset in the arena such that two buffers share bytes
/// only if their spans do not overlap, allocates the arena once, and points the memory objects
/// into it. Steps run strictly one after another (one in-order CPU stream, and `execute()` waits
/// for it), so a buffer whose last reader has run can be overwritten by a later step. Without
/// this every activation of the forward pass stayed allocated at once (~450 MB at 1280x720).
final class DNNLGraph {
    /// One primitive call with its argument list (allocated once, at build time), or one step
    /// of our own kernels (`kernel`, run by CKernels between primitives).
    struct Step {
        let primitive: dnnl_primitive_t?
        let args: UnsafeMutablePointer<dnnl_exec_arg_t>?
        let count: Int32
        let kernel: OwnKernel?
        let label: String
        /// oneDNN's name for the kernel it dispatched (e.g. "jit_uni_int8:avx2"), or ours
        /// ("vidstyle:fused_norm", "vidstyle:winograd_f4x4_avx2").
        let implementation: String
    }

    /// A step of our own kernels, with its job bound once (its tensor pointers set by `prepare()`).
    enum OwnKernel {
        case norm(UnsafeMutablePointer<vs_norm_job>)
        case winograd(UnsafeMutablePointer<vs_winograd_job>)

        /// Runs the job on the OpenMP threads.
        func run() {
            switch self {
            case .norm(let job): vs_norm_run(job)
            case .winograd(let job): vs_winograd_run(job)
            }
        }
    }

    private(set) var engine: dnnl_engine_t?
    private(set) var stream: dnnl_stream_t?
    private var primitives: [dnnl_primitive_t] = []
    private var memories: [dnnl_memory_t] = []
    private var argBuffers: [UnsafeMutablePointer<dnnl_exec_arg_t>] = []
    private var hostBuffers: [UnsafeMutableRawPointer] = []
    private var ownJobs: [UnsafeMutableRawPointer] = []
    /// Sets our kernels' jobs' buffer pointers once the arena has given its memory objects their bytes.
    private var ownJobBindings: [() throws -> Void] = []
    private(set) var steps: [Step] = []
    /// Steps whose last argument slot is the scratchpad, with the descriptor it needs.
    private var scratchpadSlots: [(step: Int, md: dnnl_memory_desc_t)] = []
    private var scratchpadDescriptors: [dnnl_primitive_t: dnnl_memory_desc_t] = [:]
    private var implementations: [dnnl_primitive_t: String] = [:]
    private var scratchpadReady = false

    /// One activation buffer's need: its size, the build ops from its first writer to its last
    /// reader (`last` is nil while it is still live), and whether it may share bytes at all.
    private struct Lifetime {
        var bytes: Int
        let first: Int
        var last: Int?
        /// A layout with padding (e.g. 12 channels in 16-channel blocks): oneDNN expects the
        /// padding to stay zero, and primitives keep it zero without writing it, so another
        /// tensor's values must never land there.
        var exclusive: Bool
    }
    /// Whether activations whose lifetimes do not overlap share arena bytes. False gives every
    /// activation its own bytes (the pre-arena memory use), which tests compare against.
    let shareActivations: Bool
    private var lifetimes: [Lifetime] = []
    private var activationBindings: [(memory: dnnl_memory_t, buffer: Int, byteOffset: Int)] = []
    private var arenaOffsets: [Int] = []
    private var arena: UnsafeMutableRawPointer?
    private var arenaReady = false
    /// The build op being recorded: lifetimes are spans of these.
    private var currentOp = 0
    /// Bytes in the activation arena (after `prepare()`).
    private(set) var arenaBytes = 0

    init(shareActivations: Bool = true) throws {
        self.shareActivations = shareActivations
        var engine: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create", "the CPU engine")
        self.engine = engine
        var stream: dnnl_stream_t?
        try dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create", "the CPU stream")
        self.stream = stream
    }

    deinit {
        for buffer in argBuffers { buffer.deallocate() }
        for buffer in hostBuffers { buffer.deallocate() }
        for job in ownJobs { job.deallocate() }
        arena?.deallocate()
        for primitive in primitives { dnnl_primitive_destroy(primitive) }
        for memory in memories { dnnl_memory_destroy(memory) }
        if let stream { dnnl_stream_destroy(stream) }
        if let engine { dnnl_engine_destroy(engine) }
    }

    /// A zeroed, 64-byte aligned float buffer that lives as long as the graph.
    func hostBuffer(count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        hostBuffers.append(raw)
        let buffer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        buffer.initialize(repeating: 0, count: max(1, count))
        return buffer
    }

    /// A memory object with this descriptor; oneDNN allocates the buffer unless `handle` is given
    /// (then the caller keeps the buffer alive for the graph's lifetime).
    func memory(_ md: dnnl_memory_desc_t, handle: UnsafeMutableRawPointer? = nil, _ context: @autoclosure () -> String) throws -> dnnl_memory_t {
        var md = md
        var memory: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&memory, &md, engine, handle ?? vs_dnnl_memory_allocate()), "dnnl_memory_create", context())
        guard let memory else { throw DNNLError(call: "dnnl_memory_create", context: context(), status: -1) }
        memories.append(memory)
        return memory
    }

    // MARK: - Activation arena

    /// A new activation buffer for a tensor of layout `md`, live from the op being recorded until
    /// `endOp` no longer keeps it. Returns its id; bind memory objects to it with `activation`.
    func activationBuffer(for md: dnnl_memory_desc_t) -> Int {
        lifetimes.append(Lifetime(bytes: byteSize(md), first: currentOp, last: nil, exclusive: hasPadding(md)))
        arenaReady = false
        return lifetimes.count - 1
    }

    /// A memory object of layout `md` over activation buffer `buffer` (a view when the buffer
    /// already has one), starting `byteOffset` bytes into it (a part of the buffer, such as one
    /// phase plane of a `PhaseSplitConvolution`). Its data handle is set by `prepare()`.
    func activation(_ md: dnnl_memory_desc_t, buffer: Int, byteOffset: Int = 0,
                    _ context: @autoclosure () -> String) throws -> dnnl_memory_t {
        var md = md
        var memory: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&memory, &md, engine, vs_dnnl_memory_none()), "dnnl_memory_create", context())
        guard let memory else { throw DNNLError(call: "dnnl_memory_create", context: context(), status: -1) }
        memories.append(memory)
        lifetimes[buffer].bytes = max(lifetimes[buffer].bytes, byteOffset + byteSize(md))
        if hasPadding(md) { lifetimes[buffer].exclusive = true }
        activationBindings.append((memory, buffer, byteOffset))
        arenaReady = false
        return memory
    }

    /// A memory object of layout `md` over a new activation buffer.
    func activation(_ md: dnnl_memory_desc_t, _ context: @autoclosure () -> String) throws -> (memory: dnnl_memory_t, buffer: Int) {
        let buffer = activationBuffer(for: md)
        return (try activation(md, buffer: buffer, context()), buffer)
    }

    /// Ends the op being recorded: every activation buffer not in `live` has had its last reader
    /// recorded, so ops recorded from now on may reuse its bytes.
    func endOp(keeping live: Set<Int>) {
        for id in lifetimes.indices where lifetimes[id].last == nil && !live.contains(id) {
            lifetimes[id].last = currentOp
        }
        currentOp += 1
    }

    /// The start of activation buffer `buffer` in the arena (after `prepare()`).
    func pointer(toActivation buffer: Int) -> UnsafeMutableRawPointer {
        precondition(arenaReady, "activation pointer before prepare()")
        return arena! + arenaOffsets[buffer]
    }

    /// Plans the arena (largest buffers first, each at the lowest offset clear of every placed
    /// buffer whose lifetime overlaps its own), allocates it zeroed and points every activation
    /// memory object into it. Runs once, before the first forward pass.
    private func prepareArena() throws {
        defer { arenaReady = true }
        for id in lifetimes.indices where lifetimes[id].last == nil { lifetimes[id].last = currentOp }
        func rounded(_ bytes: Int) -> Int { (max(1, bytes) + 63) / 64 * 64 }
        func conflict(_ a: Int, _ b: Int) -> Bool {
            let x = lifetimes[a], y = lifetimes[b]
            if !shareActivations || x.exclusive || y.exclusive { return true }
            return x.first <= y.last! && y.first <= x.last!
        }
        let order = lifetimes.indices.sorted { lifetimes[$0].bytes != lifetimes[$1].bytes ? lifetimes[$0].bytes > lifetimes[$1].bytes : $0 < $1 }
        var offsets = [Int](repeating: 0, count: lifetimes.count)
        var placed: [Int] = []
        var total = 0
        for id in order {
            let size = rounded(lifetimes[id].bytes)
            let taken = placed.filter { conflict(id, $0) }
                .map { (start: offsets[$0], end: offsets[$0] + rounded(lifetimes[$0].bytes)) }
                .sorted { $0.start < $1.start }
            var offset = 0
            for range in taken where range.end > offset {
                if offset + size <= range.start { break }
                offset = range.end
            }
            offsets[id] = offset
            placed.append(id)
            total = max(total, offset + size)
        }
        // The plan must never overlap two live buffers; a broken plan would corrupt frames silently.
        for a in lifetimes.indices {
            for b in lifetimes.indices where b > a && conflict(a, b) {
                precondition(offsets[a] + rounded(lifetimes[a].bytes) <= offsets[b] || offsets[b] + rounded(lifetimes[b].bytes) <= offsets[a],
                             "activation arena plan overlaps buffers \(a) and \(b)")
            }
        }
        arena?.deallocate()
        arena = nil
        arenaOffsets = offsets
        arenaBytes = total
        guard total > 0 else { return }
        let base = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        arena = base
        // Zeroed once, so padded layouts start (and, being exclusive, stay) zero-padded.
        base.initializeMemory(as: UInt8.self, repeating: 0, count: total)
        for binding in activationBindings {
            try dnnlCheck(dnnl_memory_set_data_handle(binding.memory, base + offsets[binding.buffer] + binding.byteOffset),
                          "dnnl_memory_set_data_handle", "an activation buffer")
        }
    }

    private func byteSize(_ md: dnnl_memory_desc_t) -> Int {
        var md = md
        return Int(dnnl_memory_desc_get_size(&md))
    }

    /// Whether `md` holds more bytes than its elements (padded blocks, or gaps between strides).
    private func hasPadding(_ md: dnnl_memory_desc_t) -> Bool {
        var dims = md.dims
        let count = withUnsafeBytes(of: &dims) { raw in
            raw.bindMemory(to: Int64.self).prefix(Int(md.ndims)).reduce(1) { $0 * Int($1) }
        }
        return byteSize(md) > count * Int(dnnl_data_type_size(md.data_type))
    }

    /// Prepares the shared scratchpad and the activation arena. Runs once after the build.
    func prepare() throws {
        if !scratchpadReady { try prepareScratchpad() }
        if !arenaReady {
            try prepareArena()
            for bind in ownJobBindings { try bind() }
        }
    }

    /// The buffer behind a memory object.
    func handle(of memory: dnnl_memory_t) throws -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        try dnnlCheck(dnnl_memory_get_data_handle(memory, &pointer), "dnnl_memory_get_data_handle", "a buffer")
        guard let pointer else { throw DNNLError(call: "dnnl_memory_get_data_handle", context: "a buffer", status: -1) }
        return pointer
    }

    /// A primitive descriptor for an op descriptor; the caller destroys it (`destroy(pd)`).
    func primitiveDescriptor<Op>(_ op: Op, attr: dnnl_primitive_attr_t? = nil, _ context: @autoclosure () -> String) throws -> dnnl_primitive_desc_t {
        var op = op
        var pd: dnnl_primitive_desc_t?
        let attr = try userScratchpadAttributes(attr, context())
        defer { if attr.owned { dnnl_primitive_attr_destroy(attr.attr) } }
        let status = withUnsafePointer(to: &op) { pointer in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(pointer), attr.attr, engine, nil)
        }
        try dnnlCheck(status, "dnnl_primitive_desc_create", context())
        guard let pd else { throw DNNLError(call: "dnnl_primitive_desc_create", context: context(), status: -1) }
        return pd
    }

    /// The memory descriptor a primitive descriptor wants for an execution argument, or nil when
    /// it does not use that argument.
    func argumentDescriptor(_ pd: dnnl_primitive_desc_t, _ arg: Int32) -> dnnl_memory_desc_t? {
        guard let md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg), md.pointee.ndims > 0 else { return nil }
        return md.pointee
    }

    /// oneDNN's name for the kernel `pd` dispatches (e.g. "brgconv:avx512_core_vnni").
    func implementationName(_ pd: dnnl_primitive_desc_t) -> String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else { return "unknown" }
        return String(cString: name)
    }

    /// Creates the primitive for `pd` (the graph owns it; `pd` may be destroyed afterwards).
    func primitive(_ pd: dnnl_primitive_desc_t, _ context: @autoclosure () -> String) throws -> dnnl_primitive_t {
        var primitive: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&primitive, pd), "dnnl_primitive_create", context())
        guard let primitive else { throw DNNLError(call: "dnnl_primitive_create", context: context(), status: -1) }
        primitives.append(primitive)
        implementations[primitive] = implementationName(pd)
        if let md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0), dnnl_memory_desc_get_size(md) > 0 {
            scratchpadDescriptors[primitive] = md.pointee
        }
        return primitive
    }

    /// Appends a call of `primitive` with these arguments to the forward pass.
    func append(_ primitive: dnnl_primitive_t, _ args: [(Int32, dnnl_memory_t)], label: String) {
        let scratchpad = scratchpadDescriptors[primitive]
        let count = args.count + (scratchpad == nil ? 0 : 1)
        let buffer = UnsafeMutablePointer<dnnl_exec_arg_t>.allocate(capacity: count)
        for (i, (arg, memory)) in args.enumerated() {
            buffer[i] = dnnl_exec_arg_t(arg: arg, memory: memory)
        }
        if let scratchpad {
            // Filled in by `prepareScratchpad()` once every step's need is known.
            buffer[args.count] = dnnl_exec_arg_t(arg: Int32(vs_dnnl_arg_scratchpad()), memory: nil)
            scratchpadSlots.append((steps.count, scratchpad))
        }
        argBuffers.append(buffer)
        steps.append(Step(primitive: primitive, args: buffer, count: Int32(count), kernel: nil, label: label,
                          implementation: implementations[primitive] ?? "unknown"))
        scratchpadReady = false
    }

    /// The buffers of a fused norm step, as memory objects (their bytes are known only after
    /// `prepare()`); nil where the job has no such tensor.
    struct NormBuffers {
        var source: dnnl_memory_t
        var residual: dnnl_memory_t?
        var output: dnnl_memory_t?
        var quantized: dnnl_memory_t?
    }

    /// Appends a fused norm (CKernels) to the forward pass: `job` with every field but the
    /// tensor pointers and the scratch set; the graph owns the job and its scratch.
    func appendNorm(_ job: vs_norm_job, buffers: NormBuffers, label: String) {
        let pointer = UnsafeMutablePointer<vs_norm_job>.allocate(capacity: 1)
        pointer.initialize(to: job)
        ownJobs.append(UnsafeMutableRawPointer(pointer))
        let summedChannels = job.channels
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Int(vs_norm_scratch_bytes(summedChannels)), alignment: 64)
        hostBuffers.append(scratch)
        pointer.pointee.partial_sums = scratch.assumingMemoryBound(to: Double.self)
        pointer.pointee.factors = (scratch + Int(VS_NORM_MAX_PARTS) * 2 * Int(summedChannels) * MemoryLayout<Double>.stride)
            .assumingMemoryBound(to: Float.self)
        ownJobBindings.append { [unowned self] in
            pointer.pointee.source = UnsafeRawPointer(try handle(of: buffers.source))
            pointer.pointee.residual = try buffers.residual.map { UnsafePointer(try handle(of: $0).assumingMemoryBound(to: Float.self)) }
            pointer.pointee.output = try buffers.output.map { try handle(of: $0).assumingMemoryBound(to: Float.self) }
            pointer.pointee.quantized = try buffers.quantized.map { try handle(of: $0) }
        }
        steps.append(Step(primitive: nil, args: nil, count: 0, kernel: .norm(pointer), label: label,
                          implementation: "vidstyle:fused_norm"))
        arenaReady = false
    }

    /// Appends one of our Winograd convolutions (CKernels) to the forward pass: `job` with its
    /// shape, weights and bias set; the graph sets its tensors and scratch. Steps run one at a
    /// time, so every Winograd step shares one scratch buffer, as large as the largest need.
    func appendWinograd(_ job: vs_winograd_job, source: dnnl_memory_t, destination: dnnl_memory_t, label: String) {
        let pointer = UnsafeMutablePointer<vs_winograd_job>.allocate(capacity: 1)
        pointer.initialize(to: job)
        ownJobs.append(UnsafeMutableRawPointer(pointer))
        winogradScratchBytes = max(winogradScratchBytes,
                                   Int(vs_winograd_scratch_bytes(job.in_channels, job.out_channels, job.max_threads)))
        ownJobBindings.append { [unowned self] in
            pointer.pointee.source = UnsafePointer(try handle(of: source).assumingMemoryBound(to: Float.self))
            pointer.pointee.destination = try handle(of: destination).assumingMemoryBound(to: Float.self)
            if winogradScratch == nil {
                let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(64, winogradScratchBytes), alignment: 64)
                hostBuffers.append(scratch)
                winogradScratch = scratch
            }
            pointer.pointee.scratch = winogradScratch
        }
        steps.append(Step(primitive: nil, args: nil, count: 0, kernel: .winograd(pointer), label: label,
                          implementation: "vidstyle:winograd_f4x4_avx2"))
        arenaReady = false
    }
    private var winogradScratchBytes = 0
    private var winogradScratch: UnsafeMutableRawPointer?

    /// Gives every step that needs a scratchpad a view of one shared buffer, as large as the
    /// largest need. Runs once, before the first forward pass.
    func prepareScratchpad() throws {
        defer { scratchpadReady = true }
        guard !scratchpadSlots.isEmpty else { return }
        var largest = 0
        for slot in scratchpadSlots {
            var md = slot.md
            largest = max(largest, Int(dnnl_memory_desc_get_size(&md)))
        }
        let shared = UnsafeMutableRawPointer.allocate(byteCount: largest, alignment: 64)
        hostBuffers.append(shared)
        for slot in scratchpadSlots {
            let step = steps[slot.step]
            let view = try memory(slot.md, handle: shared, "\(step.label) scratchpad")
            step.args![Int(step.count) - 1].memory = view
        }
    }

    /// Attributes asking for a user-managed scratchpad: `attr` itself when given, else new ones
    /// that the caller destroys (`owned`).
    private func userScratchpadAttributes(_ attr: dnnl_primitive_attr_t?, _ context: @autoclosure () -> String)
        throws -> (attr: dnnl_primitive_attr_t?, owned: Bool) {
        var result = attr
        var owned = false
        if result == nil {
            try dnnlCheck(dnnl_primitive_attr_create(&result), "dnnl_primitive_attr_create", context())
            owned = true
        }
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(result, dnnl_scratchpad_mode_user),
                      "dnnl_primitive_attr_set_scratchpad_mode", context())
        return (result, owned)
    }

    /// New, empty primitive attributes; the caller destroys them (`dnnl_primitive_attr_destroy`).
    func attributes(_ context: @autoclosure () -> String) throws -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create", context())
        guard let attr else { throw DNNLError(call: "dnnl_primitive_attr_create", context: context(), status: -1) }
        return attr
    }

    /// Adds a fused logistic (sigmoid) post-op to `attr`.
    func appendSigmoid(to attr: dnnl_primitive_attr_t, _ context: @autoclosure () -> String) throws {
        var postOps: dnnl_post_ops_t?
        try dnnlCheck(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create", context())
        defer { dnnl_post_ops_destroy(postOps) }
        try dnnlCheck(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_logistic, 0, 0), "dnnl_post_ops_append_eltwise", context())
        try dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops", context())
    }

    /// A reorder primitive from `source` to `destination` (both descriptors of the same logical
    /// tensor, possibly of different data types), with `attributes` such as output scales when
    /// given (the caller keeps ownership of them).
    func reorderPrimitive(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t,
                          attributes: dnnl_primitive_attr_t? = nil, _ context: @autoclosure () -> String) throws -> dnnl_primitive_t {
        var source = source, destination = destination
        var pd: dnnl_primitive_desc_t?
        let attr = try userScratchpadAttributes(attributes, context())
        defer { if attr.owned { dnnl_primitive_attr_destroy(attr.attr) } }
        try dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &source, engine, &destination, engine, attr.attr),
                      "dnnl_reorder_primitive_desc_create", context())
        guard let pd else { throw DNNLError(call: "dnnl_reorder_primitive_desc_create", context: context(), status: -1) }
        defer { dnnl_primitive_desc_destroy(pd) }
        return try primitive(pd, context())
    }

    /// Runs a primitive right now (used once at build time, e.g. to reorder weights).
    func executeNow(_ primitive: dnnl_primitive_t, _ args: [(Int32, dnnl_memory_t)], _ context: @autoclosure () -> String) throws {
        var list = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        if let md = scratchpadDescriptors[primitive] {
            list.append(dnnl_exec_arg_t(arg: Int32(vs_dnnl_arg_scratchpad()), memory: try memory(md, context() + " scratchpad")))
        }
        try list.withUnsafeBufferPointer { buffer in
            try dnnlCheck(dnnl_primitive_execute(primitive, stream, Int32(buffer.count), buffer.baseAddress),
                          "dnnl_primitive_execute", context())
        }
        try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait", context())
    }

    /// Runs every recorded step in order and waits for the stream. Allocates nothing (the
    /// scratchpad and arena are prepared at build time; `prepare()` here only guards a graph
    /// whose build skipped it).
    func execute() throws {
        if !scratchpadReady || !arenaReady { try prepare() }
        for step in steps {
            if let kernel = step.kernel {
                // oneDNN's CPU stream runs each primitive before returning; waiting makes sure.
                try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait", step.label)
                kernel.run()
                continue
            }
            let status = dnnl_primitive_execute(step.primitive, stream, step.count, step.args)
            if status != dnnl_success {
                throw DNNLError(call: "dnnl_primitive_execute", context: step.label, status: Int(status.rawValue))
            }
        }
        try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait", "the forward pass")
    }

    /// Runs every step like `execute()`, waiting after each, and adds each step's wall-clock
    /// milliseconds to `milliseconds[step]`: where a forward pass spends its time, for
    /// `vidstyle bench --steps`, not for the per-frame path.
    func executeTimingSteps(into milliseconds: inout [Double]) throws {
        if !scratchpadReady || !arenaReady { try prepare() }
        if milliseconds.count != steps.count { milliseconds = [Double](repeating: 0, count: steps.count) }
        try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait", "before timing")
        for (index, step) in steps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            if let kernel = step.kernel {
                kernel.run()
            } else {
                let status = dnnl_primitive_execute(step.primitive, stream, step.count, step.args)
                if status != dnnl_success {
                    throw DNNLError(call: "dnnl_primitive_execute", context: step.label, status: Int(status.rawValue))
                }
                try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait", step.label)
            }
            milliseconds[index] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
    }
}

/// A plain memory descriptor for `dims` in the given layout (`dnnl_format_tag_any` lets a
/// primitive choose).
func memoryDescriptor(_ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let dims64 = dims.map { Int64($0) }
    try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims64, type, tag),
                  "dnnl_memory_desc_init_by_tag", "a tensor of shape \(dims)")
    return md
}

/// A memory descriptor for `dims` with explicit element strides.
func memoryDescriptor(_ dims: [Int], strides: [Int]) throws -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), dims.map { Int64($0) }, dnnl_f32, strides.map { Int64($0) }),
                  "dnnl_memory_desc_init_by_strides", "a tensor of shape \(dims)")
    return md
}

func sameLayout(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
    var a = a, b = b
    return dnnl_memory_desc_equal(&a, &b) != 0
}
