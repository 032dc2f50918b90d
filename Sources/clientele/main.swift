import ClienteleCLI
ClienteleCommand.runMain()
