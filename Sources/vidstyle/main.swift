import VidStyleKit
print("vidstyle")
