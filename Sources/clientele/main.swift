import ClienteleCLI
await ClienteleCommand.runMain()
