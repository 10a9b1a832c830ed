// Tasks that take time. The simulator finishes a VM's power task before the call that started
// it returns, so a client never sees a task queued or running; on a vCenter it always does.
// With -task-delay this wrapper returns the task at once, and the simulator's own method runs
// after the delay, so a client's following of info.state is exercised over the wire.
package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var taskDelay time.Duration

// The VM is embedded by value (copied once, before serving): the property collector reads a
// wrapper's first field as the VM.
type slowVM struct {
	simulator.VirtualMachine
}

// later starts a task that waits, then runs the simulator's method and ends as that one ended.
func (vm *slowVM) later(ctx *simulator.Context, name string, start func() types.ManagedObjectReference) types.ManagedObjectReference {
	task := simulator.CreateTask(vm, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		time.Sleep(taskDelay)
		var inner types.ManagedObjectReference
		ctx.Map.WithLock(vm, func() { inner = start() })
		info := simulator.Map.Get(inner).(*simulator.Task).Info
		if info.Error != nil {
			return nil, info.Error.Fault
		}
		return info.Result, nil
	})
	go task.Run()
	return task.Self
}

func (vm *slowVM) PowerOnVMTask(ctx *simulator.Context, req *types.PowerOnVM_Task) soap.HasFault {
	task := vm.later(ctx, "powerOn", func() types.ManagedObjectReference {
		return vm.VirtualMachine.PowerOnVMTask(ctx, req).(*methods.PowerOnVM_TaskBody).Res.Returnval
	})
	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: task}}
}

func (vm *slowVM) PowerOffVMTask(ctx *simulator.Context, req *types.PowerOffVM_Task) soap.HasFault {
	task := vm.later(ctx, "powerOff", func() types.ManagedObjectReference {
		return vm.VirtualMachine.PowerOffVMTask(ctx, req).(*methods.PowerOffVM_TaskBody).Res.Returnval
	})
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: task}}
}

func (vm *slowVM) ResetVMTask(ctx *simulator.Context, req *types.ResetVM_Task) soap.HasFault {
	task := vm.later(ctx, "reset", func() types.ManagedObjectReference {
		return vm.VirtualMachine.ResetVMTask(ctx, req).(*methods.ResetVM_TaskBody).Res.Returnval
	})
	return &methods.ResetVM_TaskBody{Res: &types.ResetVM_TaskResponse{Returnval: task}}
}

// useSlowTasks puts the wrapper around every VM of the model.
func useSlowTasks(delay time.Duration) {
	taskDelay = delay
	for _, entity := range simulator.Map.All("VirtualMachine") {
		simulator.Map.Put(&slowVM{*entity.(*simulator.VirtualMachine)})
	}
}
