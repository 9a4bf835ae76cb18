import Foundation
import Testing
@testable import VidStyleKit

/// The golden fixture input through a 28x20 network with the golden style blend, for the suites
/// that compare one way of building the network with another (precisions, fused norms). Our
/// Winograd kernel stays out unless asked for (`kernels`), so an int8 build is int8 in
/// every convolution it can be (WinogradConvolutionTests cover the mix).
enum GoldenNetworkRun {
    static func output(_ model: StyleModel, _ precision: Precision, cpu: CPUFeatures = .current,
                       shareActivations: Bool = true, fuseNorms: Bool = true,
                       kernels: ConvolutionKernelChoice = .onednn) throws -> (values: [Float], network: StyleNetwork) {
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let input = try #require(try golden.floats(named: "input"))
        let network = try StyleNetwork(model: model, width: 28, height: 20, useWinograd: true, precision: precision,
                                       cpu: cpu, shareActivations: shareActivations, fuseNorms: fuseNorms,
                                       kernels: kernels)
        try network.setStyleWeights([0.2, 0, 0.8])
        input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
        try network.run()
        return (Array(UnsafeBufferPointer(start: network.output, count: input.count)), network)
    }
}
