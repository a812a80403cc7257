"""Export of the student: ONNX fp32, int8, optional LiteRT, and the model bundle."""
