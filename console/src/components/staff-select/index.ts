export { StaffSelect } from './staff-select';
export { useStaff, useStaffLabel, type StaffView } from './use-staff';
