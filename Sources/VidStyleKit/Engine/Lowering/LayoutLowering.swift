import CDNNL
import Foundation

/// Lowering of the steps that only move or combine values: layout changes (reorders, views,
/// mirrored borders), residual adds, upsampling, pixel shuffles and sigmoids that no
/// convolution took in.
extension StyleNetwork {
    /// A memory object of layout `md` over the same bytes as `value` (a view).
    func alias(_ md: dnnl_memory_desc_t, of value: Value, label: String) throws -> dnnl_memory_t {
        if let buffer = value.buffer { return try graph.activation(md, buffer: buffer, label) }
        return try graph.memory(md, handle: try graph.handle(of: value.memory), label)
    }

    func addReorder(_ value: Value, to memory: dnnl_memory_t, md: dnnl_memory_desc_t, label: String) throws {
        let reorder = try graph.reorderPrimitive(from: value.md, to: md, label)
        graph.append(reorder, [(vs_dnnl_arg_from(), value.memory), (vs_dnnl_arg_to(), memory)], label: label)
    }

    /// `value` in layout `md`: itself when it already is, else a reorder step into a new buffer.
    func converted(_ value: Value, to md: dnnl_memory_desc_t, label: String) throws -> Value {
        if sameLayout(value.md, md) { return value }
        let out = try graph.activation(md, label)
        try addReorder(value, to: out.memory, md: md, label: label)
        return Value(memory: out.memory, buffer: out.buffer, md: md, channels: value.channels, height: value.height, width: value.width,
                     nonNegative: value.nonNegative)
    }

    /// `source` mirrored by `pad` pixels on every side (PyTorch's reflect padding: the edge row
    /// itself is not repeated) in a new buffer of layout `wanted`, the padded shape in the layout
    /// the convolution asked for. One reorder writes `source` into the buffer's inside, changing
    /// the layout and, with `attributes`, quantizing on the way, so the inside costs what the
    /// layout change or quantization cost before; then `4 * pad` small reorders within the
    /// buffer copy single columns (left and right, inside rows) and then whole rows (top and
    /// bottom, corners included) from just inside the edge to just outside it.
    func mirrored(_ source: Value, by pad: Int, into wanted: dnnl_memory_desc_t,
                          attributes: dnnl_primitive_attr_t? = nil, label: String) throws -> Value {
        guard source.height > pad, source.width > pad else {
            throw NetworkError.tooSmallToMirror(width: width, height: height, convolution: label)
        }
        let padded = try graph.activation(wanted, label + " mirrored")
        var parent = wanted
        func view(_ dims: [Int], at offsets: [Int]) throws -> (memory: dnnl_memory_t, md: dnnl_memory_desc_t) {
            var md = dnnl_memory_desc_t()
            try dnnlCheck(dnnl_memory_desc_init_submemory(&md, &parent, dims.map { Int64($0) }, offsets.map { Int64($0) }),
                          "dnnl_memory_desc_init_submemory", label + " view")
            return (try graph.activation(md, buffer: padded.buffer, label + " view"), md)
        }
        let c = source.channels, h = source.height, w = source.width
        let inside = try view(source.dims, at: [0, 0, pad, pad])
        let fill = try graph.reorderPrimitive(from: source.md, to: inside.md, attributes: attributes, label + " inside")
        graph.append(fill, [(vs_dnnl_arg_from(), source.memory), (vs_dnnl_arg_to(), inside.memory)], label: label + " inside")
        func copy(_ dims: [Int], from: [Int], to: [Int], _ part: String) throws {
            let a = try view(dims, at: from), b = try view(dims, at: to)
            let reorder = try graph.reorderPrimitive(from: a.md, to: b.md, label + " " + part)
            graph.append(reorder, [(vs_dnnl_arg_from(), a.memory), (vs_dnnl_arg_to(), b.memory)], label: label + " " + part)
        }
        for i in 0..<pad {
            try copy([1, c, h, 1], from: [0, 0, pad, pad + 1 + i], to: [0, 0, pad, pad - 1 - i], "left edge")
            try copy([1, c, h, 1], from: [0, 0, pad, pad + w - 2 - i], to: [0, 0, pad, pad + w + i], "right edge")
        }
        for i in 0..<pad {
            try copy([1, c, 1, w + 2 * pad], from: [0, 0, pad + 1 + i, 0], to: [0, 0, pad - 1 - i, 0], "top edge")
            try copy([1, c, 1, w + 2 * pad], from: [0, 0, pad + h - 2 - i, 0], to: [0, 0, pad + h + i, 0], "bottom edge")
        }
        return Value(memory: padded.memory, buffer: padded.buffer, md: wanted, channels: c, height: h + 2 * pad, width: w + 2 * pad,
                     nonNegative: source.nonNegative)
    }

    func addSum(_ current: Value, _ saved: Value, inPlace: Bool) throws -> Value {
        let label = "residual add"
        let other = try converted(saved, to: current.md, label: label + " layout")
        var a = current.md, b = other.md, dstMD = current.md
        var desc = dnnl_binary_desc_t()
        try dnnlCheck(dnnl_binary_desc_init(&desc, dnnl_binary_add, &a, &b, &dstMD), "dnnl_binary_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        let dst = inPlace ? (memory: current.memory, buffer: current.buffer) : try graph.activation(dstMD, label + " output")
        graph.append(try graph.primitive(pd, label),
                     [(vs_dnnl_arg_src(), current.memory), (vs_dnnl_arg_src_1(), other.memory), (vs_dnnl_arg_dst(), dst.memory)],
                     label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: dstMD, channels: current.channels, height: current.height, width: current.width,
                     nonNegative: current.nonNegative && saved.nonNegative)
    }

    func addUpsample(_ source: Value, factor: Int) throws -> Value {
        let label = "upsample x\(factor)"
        let outHeight = source.height * factor, outWidth = source.width * factor
        var srcMD = source.md
        var dstMD = try memoryDescriptor([1, source.channels, outHeight, outWidth], dnnl_format_tag_any)
        var desc = dnnl_resampling_desc_t()
        let factors: [Float] = [Float(factor), Float(factor)]
        try dnnlCheck(dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_nearest, factors, &srcMD, &dstMD),
                      "dnnl_resampling_forward_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let wantedDst = graph.argumentDescriptor(pd, vs_dnnl_arg_dst()) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md", context: label, status: -1)
        }
        let dst = try graph.activation(wantedDst, label + " output")
        graph.append(try graph.primitive(pd, label), [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_dst(), dst.memory)], label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: wantedDst, channels: source.channels, height: outHeight, width: outWidth,
                     nonNegative: source.nonNegative)
    }

    /// A pixel shuffle inside the network: a strided reorder from a planar view
    /// [1, C, H, r, W, r] of the input (channel c*r*r + i*r + j) to the planar output.
    func addPixelShuffle(_ source: Value, factor r: Int) throws -> Value {
        let label = "pixel_shuffle x\(r)"
        let planar = try converted(source, to: try memoryDescriptor(source.dims, dnnl_nchw), label: label + " input layout")
        let c = source.channels / (r * r), h = source.height, w = source.width
        let dims = [1, c, h, r, w, r]
        let viewMD = try memoryDescriptor(dims, strides: [source.channels * h * w, r * r * h * w, w, r * h * w, 1, h * w])
        let denseMD = try memoryDescriptor(dims, dnnl_abcdef)
        let dense = try graph.activation(denseMD, label + " output")
        let view = try alias(viewMD, of: planar, label: label + " view")
        let reorder = try graph.reorderPrimitive(from: viewMD, to: denseMD, label)
        graph.append(reorder, [(vs_dnnl_arg_from(), view), (vs_dnnl_arg_to(), dense.memory)], label: label)
        let outMD = try memoryDescriptor([1, c, h * r, w * r], dnnl_nchw)
        let out = try graph.activation(outMD, buffer: dense.buffer, label + " output view")
        return Value(memory: out, buffer: dense.buffer, md: outMD, channels: c, height: h * r, width: w * r, nonNegative: source.nonNegative)
    }

    func addSigmoid(_ source: Value, inPlace: Bool) throws -> Value {
        let label = "sigmoid"
        var dataMD = source.md
        var desc = dnnl_eltwise_desc_t()
        try dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, dnnl_eltwise_logistic, &dataMD, 0, 0),
                      "dnnl_eltwise_forward_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        let dst = inPlace ? (memory: source.memory, buffer: source.buffer) : try graph.activation(source.md, label + " output")
        graph.append(try graph.primitive(pd, label), [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_dst(), dst.memory)], label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: source.md, channels: source.channels, height: source.height, width: source.width,
                     nonNegative: true)
    }

    /// Depth-to-space from NHWC `[height/f][width/f][channels*f*f]` to planar
    /// `[channels][height][width]` in PyTorch's order (channel `c*f*f + i*f + j` is offset (i, j)).
    static func pixelShuffle(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                             channels: Int, height: Int, width: Int, factor f: Int) {
        let inHeight = height / f, inWidth = width / f
        let depth = channels * f * f
        for y in 0..<inHeight {
            for x in 0..<inWidth {
                let from = source + (y * inWidth + x) * depth
                for c in 0..<channels {
                    for i in 0..<f {
                        for j in 0..<f {
                            destination[(c * height + y * f + i) * width + x * f + j] = from[(c * f + i) * f + j]
                        }
                    }
                }
            }
        }
    }
}
