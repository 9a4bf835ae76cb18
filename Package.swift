// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "vidstyle",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vidstyle", targets: ["vidstyle"]),
        .library(name: "VidStyleKit", targets: ["VidStyleKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // FFmpeg 5.1 from Debian (libavformat-dev, libavcodec-dev, libswscale-dev, libavutil-dev,
        // libswresample-dev), with a shim header for the macros Swift cannot import.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev",
                                         "libavutil-dev", "libswresample-dev", "libavdevice-dev"])]),
        // libv4l2 from Debian (libv4l-dev): webcam capture.
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),
        // oneDNN 2.6 C API from Debian (libdnnl-dev).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // OpenCV 4.6's DIS optical flow from Debian (libopencv-video-dev) behind a C header, for
        // temporal smoothing. Debian ships opencv4.pc only with the large libopencv-dev, so the
        // include path and the libraries are named here directly.
        .target(
            name: "COpticalFlow",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
            linkerSettings: [.linkedLibrary("opencv_video"), .linkedLibrary("opencv_imgproc"),
                             .linkedLibrary("opencv_core")]
        ),
        // Our own C kernels beside oneDNN's, threaded by libgomp, the OpenMP runtime oneDNN itself
        // runs on: the engine's fused instance norm (norm, ReLU, residual add, quantization and
        // depth to space in one pass), Winograd F(4x4,3x3) convolutions for AVX2 CPUs, frames
        // into the network's input and its output back into frames (mirrored margins, pixel
        // shuffle, strength, colour), and temporal smoothing's bicubic warp. Each is compiled for
        // several instruction levels and picks at run time, capped like oneDNN by
        // ONEDNN_MAX_CPU_ISA (KernelLevel.h).
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])],
            linkerSettings: [.linkedLibrary(":libgomp.so.1")]
        ),
        .target(
            name: "VidStyleKit",
            dependencies: [
                "CFFmpeg", "CDNNL", "CV4L2", "COpticalFlow", "CKernels",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/vidstyle-default.safetensors")]
        ),
        .executableTarget(
            name: "vidstyle",
            dependencies: [
                "VidStyleKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What temporal smoothing costs the stylize stage (tools/bench_temporal.sh, make bench).
        .executableTarget(name: "TemporalBench", dependencies: ["VidStyleKit"]),
        .testTarget(
            name: "VidStyleKitTests",
            // Yams: the tests read the emitted Kubernetes manifest as a cluster would.
            dependencies: ["VidStyleKit", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
