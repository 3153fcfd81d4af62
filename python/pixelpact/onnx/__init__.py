"""pixelpact.onnx (in progress)"""
