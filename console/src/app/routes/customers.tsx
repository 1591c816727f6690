export { CustomersPage as Component } from '@/features/customers';
